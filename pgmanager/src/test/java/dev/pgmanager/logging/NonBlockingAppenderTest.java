package dev.pgmanager.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import dev.pgmanager.config.LogFormat;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A log output that stops taking lines (a full pipe, a stalled disk) never holds up the thread that logs. */
class NonBlockingAppenderTest {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger logger = context.getLogger("pgmanager.test.nonblocking");

    @AfterEach
    void detach() {
        logger.detachAndStopAllAppenders();
    }

    /** An output that takes nothing until it is opened, like a pipe whose reader stalled. */
    private static final class StalledOutput extends OutputStream {
        final CountDownLatch open = new CountDownLatch(1);
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        /** Waits for the opening as a write(2) on a full pipe does: an interrupt does not end the wait. */
        @Override
        public void write(byte[] bytes, int offset, int length) {
            boolean interrupted = false;
            while (open.getCount() > 0) {
                try {
                    open.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            synchronized (written) {
                written.write(bytes, offset, length);
            }
        }

        List<String> lines() {
            synchronized (written) {
                return written.toString(StandardCharsets.UTF_8).lines().toList();
            }
        }
    }

    @Test
    void linesLoggedWhileTheOutputIsStalledNeverWaitAndTheDroppedOnesAreCounted() throws Exception {
        StalledOutput output = new StalledOutput();
        NonBlockingAppender queued = new NonBlockingAppender(context, appenderWritingTo(output));
        queued.start();
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        logger.addAppender(queued);

        int logged = NonBlockingAppender.QUEUE_SIZE * 2;
        // Written synchronously, the first line would wait for the output forever
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < logged; i++) logger.info("line {}", i);
        });
        assertTrue(queued.dropped() > 0, "the queue holds fewer lines than were logged");
        // Room is kept for warnings; the first line that gets in says how many were dropped before it
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> logger.warn("a warning while the queue is nearly full"));
        assertEquals(0, queued.dropped(), "reported");
        assertEquals(1, output.open.getCount(), "the output is still stalled");

        output.open.countDown();
        logger.warn("after the stall");
        queued.stop();

        List<String> lines = output.lines();
        assertTrue(lines.size() > NonBlockingAppender.QUEUE_SIZE / 2, "the queued lines were written: " + lines.size());
        assertEquals("line 0", lines.getFirst(), "in order, from the first");
        int warning = lines.indexOf("a warning while the queue is nearly full");
        assertTrue(warning > 0, "a warning is kept while INFO lines are dropped");
        assertTrue(lines.get(warning - 1).contains("log lines were dropped"),
                "the line that found room came after the count of those that did not: " + lines.get(warning - 1));
        // The queue's writer takes the lines out in batches, so room may open, and a count be written, more than once
        List<String> notices = lines.stream().filter(line -> line.contains("log lines were dropped")).toList();
        long dropped = notices.stream().mapToLong(line -> Long.parseLong(line.split(" ")[0])).sum();
        assertEquals(logged + 2, lines.size() - notices.size() + dropped,
                "every line is either written or counted as dropped: " + lines.size() + " lines, " + notices);
        assertEquals("after the stall", lines.getLast());
    }

    @Test
    void theSidecarsConsoleGoesThroughTheQueueUntilDrained() {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        List<Appender<ILoggingEvent>> before = appenders(root);
        assertTrue(before.stream().anyMatch(a -> a instanceof ConsoleAppender), "the test configuration logs to the console");
        try {
            LogOutput.use(LogFormat.TEXT);
            List<Appender<ILoggingEvent>> queued = appenders(root);
            assertTrue(queued.stream().anyMatch(a -> a instanceof NonBlockingAppender), queued.toString());
            assertFalse(queued.stream().anyMatch(a -> a instanceof ConsoleAppender), "no direct console left: " + queued);

            LogOutput.use(LogFormat.JSON);
            assertEquals(1, appenders(root).stream().filter(a -> a instanceof NonBlockingAppender).count(), "wrapped once");
        } finally {
            LogOutput.drain();
        }
        List<Appender<ILoggingEvent>> drained = appenders(root);
        assertFalse(drained.stream().anyMatch(a -> a instanceof NonBlockingAppender), drained.toString());
        ConsoleAppender<?> console = (ConsoleAppender<?>) drained.stream().filter(a -> a instanceof ConsoleAppender).findFirst()
                .orElseThrow(() -> new AssertionError("direct console after the drain: " + drained));
        assertTrue(console.isStarted(), "lines logged after the drain are written");
    }

    private OutputStreamAppender<ILoggingEvent> appenderWritingTo(OutputStream stream) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(stream);
        appender.start();
        return appender;
    }

    private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
        List<Appender<ILoggingEvent>> all = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) all.add(it.next());
        return all;
    }
}
