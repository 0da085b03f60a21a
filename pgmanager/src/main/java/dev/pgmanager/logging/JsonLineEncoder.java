package dev.pgmanager.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One JSON object per line for a log pipeline: {@code timestamp} (ISO-8601, UTC), {@code level}, {@code logger},
 * {@code message}, {@code machine_id}, {@code epoch} (the leader epoch this member knows, null while nobody leads),
 * {@code thread}, and {@code exception} (the stack trace as one string) when there is one. Jackson writes the JSON, so
 * quotes, line breaks and control characters in messages are always escaped and a line is always one event.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NOTHING = new byte[0];
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(line)) {
            json.writeStartObject();
            json.writeStringField("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("message", event.getFormattedMessage());
            // The context's fields as they were when the line was logged (it is written later, on the log's own thread)
            java.util.Map<String, String> fields = event.getLoggerContextVO() == null ? java.util.Map.of()
                    : event.getLoggerContextVO().getPropertyMap();
            String machineId = fields.get(LogFields.MACHINE_ID);
            if (machineId != null) json.writeStringField(LogFields.MACHINE_ID, machineId);
            String epoch = fields.get(LogFields.EPOCH);
            if (epoch == null || epoch.equals(LogFields.NO_EPOCH)) json.writeNullField(LogFields.EPOCH);
            else json.writeNumberField(LogFields.EPOCH, Long.parseLong(epoch));
            json.writeStringField("thread", event.getThreadName());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) json.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        line.write('\n');
        return line.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }
}
