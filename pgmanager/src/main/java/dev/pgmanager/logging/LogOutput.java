package dev.pgmanager.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.pgmanager.config.LogFormat;
import java.util.Iterator;
import org.slf4j.Logger;

/**
 * Switches the sidecar's log (stderr, set up by {@link LogConfigurator}) to its member format: text lines for people,
 * or JSON lines for machines, both with the machine ID and the leader epoch on every line. The other commands keep
 * plain lines.
 */
public final class LogOutput {
    /**
     * One line per event: a stack trace is folded onto its event's line, " | " between its lines (inside out: join the
     * lines, drop the trailing line break, put a space before a trace that is there).
     */
    static final String MEMBER_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} "
            + "[%property{" + LogFields.MACHINE_ID + "} epoch %property{" + LogFields.EPOCH + "}]: %msg"
            + "%replace(%replace(%replace(%ex){'[\\r\\n]+\\s*(?=\\S)', ' | '}){'\\s+$', ''}){'^(?=\\S)', ' '}%nopex%n";

    private LogOutput() {}

    /** Uses {@code format} for every console appender of the root logger from now on. */
    public static void use(LogFormat format) {
        LogFields.context().ifPresent(context -> {
            if (context.getProperty(LogFields.EPOCH) == null) context.putProperty(LogFields.EPOCH, LogFields.NO_EPOCH);
            if (context.getProperty(LogFields.MACHINE_ID) == null) context.putProperty(LogFields.MACHINE_ID, "-");
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
                    Encoder<ILoggingEvent> encoder = encoder(format, context);
                    console.stop();
                    console.setEncoder(encoder);
                    console.start();
                }
            }
        });
    }

    static Encoder<ILoggingEvent> encoder(LogFormat format, LoggerContext context) {
        Encoder<ILoggingEvent> encoder = switch (format) {
            case JSON -> new JsonLineEncoder();
            case TEXT -> {
                PatternLayoutEncoder pattern = new PatternLayoutEncoder();
                pattern.setPattern(MEMBER_PATTERN);
                yield pattern;
            }
        };
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }
}
