package dev.pgmanager.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.config.LogFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Both log formats put one event on one line, with the member's machine ID and the leader epoch it knows. */
class LogOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> appender;

    @AfterEach
    void detach() {
        context.getLogger("pgmanager.test.log").detachAndStopAllAppenders();
        context.removeObject(LogFields.MACHINE_ID);
    }

    private Logger loggerWritingIn(LogFormat format) {
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(LogOutput.encoder(format, context));
        appender.setOutputStream(written);
        appender.start();
        Logger logger = context.getLogger("pgmanager.test.log");
        logger.setAdditive(false);
        logger.setLevel(Level.DEBUG);
        logger.detachAndStopAllAppenders();
        logger.addAppender(appender);
        return logger;
    }

    private List<String> lines() {
        return written.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonHasOneObjectPerLineWithTheAgreedFields() throws Exception {
        LogFields.machineId("148e21ea7d5e89");
        LogFields.epoch(OptionalLong.of(7));
        Logger log = loggerWritingIn(LogFormat.JSON);
        log.info("promoted \"quoted\"\nsecond line");
        log.warn("could not stop", new IllegalStateException("boom"));
        LogFields.epoch(OptionalLong.empty());
        log.debug("nobody leads");

        List<String> lines = lines();
        assertEquals(3, lines.size(), lines.toString());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("INFO", first.path("level").asText());
        assertEquals("pgmanager.test.log", first.path("logger").asText());
        assertEquals("promoted \"quoted\"\nsecond line", first.path("message").asText());
        assertEquals("148e21ea7d5e89", first.path("machine_id").asText());
        assertEquals(7, first.path("epoch").asLong());
        assertTrue(first.path("epoch").isNumber(), first.toString());
        Instant at = Instant.parse(first.path("timestamp").asText());
        assertTrue(Math.abs(at.toEpochMilli() - System.currentTimeMillis()) < 60_000, at.toString());
        assertFalse(first.has("exception"), first.toString());

        JsonNode second = JSON.readTree(lines.get(1));
        assertEquals("WARN", second.path("level").asText());
        assertTrue(second.path("exception").asText().startsWith("java.lang.IllegalStateException: boom"), second.toString());
        assertTrue(second.path("exception").asText().contains("at dev.pgmanager.logging.LogOutputTest"), second.toString());

        JsonNode third = JSON.readTree(lines.get(2));
        assertTrue(third.path("epoch").isNull(), third.toString());
        assertEquals("DEBUG", third.path("level").asText());
    }

    @Test
    void textHasOneLinePerEventWithMachineIdAndEpoch() {
        LogFields.machineId("0a1b2c3d4e5f60");
        LogFields.epoch(OptionalLong.of(3));
        Logger log = loggerWritingIn(LogFormat.TEXT);
        log.info("I am the leader with the lease");
        log.error("rewind failed", new IllegalStateException("no common checkpoint"));

        List<String> lines = lines();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("\\S+ INFO  log \\[0a1b2c3d4e5f60 epoch 3]: I am the leader with the lease"), lines.get(0));
        assertTrue(lines.get(1).contains("[0a1b2c3d4e5f60 epoch 3]: rewind failed java.lang.IllegalStateException: no common checkpoint | at "),
                lines.get(1));
    }

    @Test
    void aSidecarsLogKeepsTheStoreClientsFailedAttemptsThatACommandsTerminalDoesNotGet() {
        Logger connection = context.getLogger(LogConfigurator.STORE_CONNECTION);
        Level before = connection.getLevel();
        connection.setLevel(Level.ERROR); // as LogConfigurator leaves it for every command
        try {
            LogOutput.use(LogFormat.TEXT);
            assertEquals(null, connection.getLevel(), "ZooKeeper's level, inherited");
            assertEquals(context.getLogger("org.apache.zookeeper").getEffectiveLevel(), connection.getEffectiveLevel());
        } finally {
            LogOutput.drain();
            connection.setLevel(before);
        }
    }
}
