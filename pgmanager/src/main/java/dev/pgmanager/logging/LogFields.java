package dev.pgmanager.logging;

import ch.qos.logback.classic.LoggerContext;
import java.util.OptionalLong;
import org.slf4j.LoggerFactory;

/**
 * The member's machine ID and the leader epoch it knows, on every log line in both formats. They are properties of
 * the logging context rather than MDC entries: MDC is per thread, and the sidecar logs from many (the control loop,
 * the API, the store's event threads), while one process runs one member. The text pattern reads them with
 * {@code %property}; {@link JsonLineEncoder} writes them as fields.
 */
public final class LogFields {
    public static final String MACHINE_ID = "machine_id";
    public static final String EPOCH = "epoch";
    /** What the text format shows while nobody leads. */
    static final String NO_EPOCH = "-";

    private LogFields() {}

    public static void machineId(String machineId) {
        context().ifPresent(context -> context.putProperty(MACHINE_ID, machineId));
    }

    /** The leader epoch this member knows now; empty while nobody leads. Cheap: call it on every pass. */
    public static void epoch(OptionalLong epoch) {
        String value = epoch.isPresent() ? Long.toString(epoch.getAsLong()) : NO_EPOCH;
        context().ifPresent(context -> {
            if (!value.equals(context.getProperty(EPOCH))) context.putProperty(EPOCH, value);
        });
    }

    /** Empty when SLF4J is bound to another backend (an embedding application's choice). */
    static java.util.Optional<LoggerContext> context() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context ? java.util.Optional.of(context)
                : java.util.Optional.empty();
    }
}
