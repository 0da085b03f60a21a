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

    /**
     * Uses {@code format} for the console appender of the root logger from now on, and writes through a
     * {@link NonBlockingAppender}: no thread of the sidecar waits for its log output. {@link #drain()} before the process
     * ends, or the lines still queued are lost.
     */
    public static synchronized void use(LogFormat format) {
        // A second call (the command line's format, then the configuration's) starts again from the direct console: its
        // encoder must not change while the queue's thread writes through it
        drain();
        LogFields.context().ifPresent(context -> {
            if (context.getProperty(LogFields.EPOCH) == null) context.putProperty(LogFields.EPOCH, LogFields.NO_EPOCH);
            if (context.getProperty(LogFields.MACHINE_ID) == null) context.putProperty(LogFields.MACHINE_ID, "-");
            // A member's log keeps each failed attempt to reach the store: when and which server matters afterwards
            context.getLogger(LogConfigurator.STORE_CONNECTION).setLevel(null); // ZooKeeper's level, as its other loggers
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                if (!(it.next() instanceof ConsoleAppender<ILoggingEvent> direct)) continue;
                NonBlockingAppender queued = new NonBlockingAppender(context, consoleLike(direct, encoder(format, context)));
                queued.start();
                // The new one is added before the old is taken off: a line may come out twice meanwhile, none is lost
                root.addAppender(queued);
                root.detachAppender(direct);
                direct.stop();
                return;
            }
        });
    }

    /**
     * Writes every queued line, waiting a moment for them, and logs directly from then on: for the end of the process
     * (a queued line would die with it) and after a failed start.
     */
    public static synchronized void drain() {
        LogFields.context().ifPresent(context -> {
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof NonBlockingAppender queued) {
                    // A console of its own: the queue's stop stops the appenders it writes through
                    ConsoleAppender<ILoggingEvent> queuedConsole = consoleOf(queued);
                    if (queuedConsole != null) root.addAppender(consoleLike(queuedConsole, queuedConsole.getEncoder()));
                    root.detachAppender(queued);
                    queued.stop();
                    return;
                }
            }
        });
    }

    /** The console appender {@code queued} writes through; null if none. */
    private static ConsoleAppender<ILoggingEvent> consoleOf(NonBlockingAppender queued) {
        for (Iterator<Appender<ILoggingEvent>> it = queued.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) return console;
        }
        return null;
    }

    /** A started console appender to the same stream as {@code model} (by name and target), with {@code encoder}. */
    private static ConsoleAppender<ILoggingEvent> consoleLike(ConsoleAppender<ILoggingEvent> model, Encoder<ILoggingEvent> encoder) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(model.getContext());
        console.setName(model.getName());
        console.setTarget(model.getTarget());
        console.setEncoder(encoder);
        console.start();
        return console;
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
