package dev.pgmanager.store.zookeeper;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pgmanager.store.AddressHistory;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.SyncState;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns records into the JSON stored in znodes and back.
 *
 * <p>Every record carries {@code "format": 1} so that a later version can change the shape without an older
 * one misreading it. Anything that does not read back as a valid record of the expected type is reported as
 * {@link CorruptRecordException} naming the znode, and never as an absent record: treating garbage as "no
 * leader" or "no spec" would let a member act on a state nobody wrote.
 */
final class RecordCodec {
    static final int FORMAT = 1;
    private static final String FORMAT_FIELD = "format";

    /**
     * Fields added to format 1 after records without them were written, by JSON pointer, with what their absence
     * meant then: during a rolling upgrade a newer member reads the records its older peers write.
     */
    private static final Map<Class<? extends Record>, Map<JsonPointer, JsonNode>> ADDED_FIELDS = Map.of(
            Member.class, Map.of(JsonPointer.compile("/tags/noSync"), BooleanNode.FALSE,
                    JsonPointer.compile("/diskFull"), BooleanNode.FALSE,
                    JsonPointer.compile("/backups"), NullNode.getInstance(),
                    JsonPointer.compile("/backupSource"), NullNode.getInstance(),
                    JsonPointer.compile("/pendingRestart"), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()),
            ClusterSpec.class, Map.of(JsonPointer.compile("/standbyOf"), NullNode.getInstance()),
            HandoverRequest.class, Map.of(JsonPointer.compile("/lastLsn"), NullNode.getInstance()));

    /**
     * The only fields a stored record may leave null: a hand-over request names its source and target optionally, and
     * where the leader stopped only once it did.
     */
    private static final Map<Class<? extends Record>, Set<String>> OPTIONAL_FIELDS = Map.of(
            HandoverRequest.class, Set.of("from", "to", "lastLsn"));

    /** Every kind of record the store holds. */
    private static final List<Class<? extends Record>> RECORD_TYPES = List.of(Leader.class, Member.class, ClusterSpec.class,
            HandoverRequest.class, HistoryEntry.class, SyncState.class, EpochCounter.class, ClusterIdentity.class, AddressHistory.class);

    private final ObjectMapper mapper = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            // A record missing a field was not written by us: reject it rather than fill in zeros.
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // A newer version of format 1 may add optional fields; older readers ignore them.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // ... and may add enum constants: one reads as its enum's @JsonEnumDefaultValue, if it has one (without one,
            // the record is rejected).
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            .build();

    /**
     * Makes the readers and writers of every kind of record now, which the first read or write would otherwise make on
     * its way (Jackson looks each record's shape up once, slowly before the JIT has compiled anything). Thread-safe.
     */
    void prepare() {
        for (Class<? extends Record> type : RECORD_TYPES) {
            mapper.readerFor(type);
            mapper.writerFor(type);
        }
    }

    byte[] encode(Record record) {
        ObjectNode json = mapper.createObjectNode();
        json.put(FORMAT_FIELD, FORMAT);
        json.setAll((ObjectNode) mapper.valueToTree(record));
        try {
            return mapper.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + record, e);
        }
    }

    <T extends Record> T decode(String znodePath, byte[] data, Class<T> type) {
        if (data == null || data.length == 0) {
            throw new CorruptRecordException(znodePath, "the znode is empty, expected a " + type.getSimpleName() + " record", null);
        }
        JsonNode json;
        try {
            json = mapper.readTree(data);
        } catch (JsonProcessingException e) {
            throw new CorruptRecordException(znodePath, "not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            // Not JSON's syntax but its encoding (bytes that are no character of the encoding the parser detected).
            throw new CorruptRecordException(znodePath, "not readable as JSON text (" + e.getMessage() + ")", e);
        }
        if (!(json instanceof ObjectNode object)) {
            throw new CorruptRecordException(znodePath, "expected a JSON object, found " + json.getNodeType(), null);
        }
        JsonNode format = object.remove(FORMAT_FIELD);
        if (format == null) {
            throw new CorruptRecordException(znodePath, "the record has no \"format\" field", null);
        }
        if (!format.isIntegralNumber() || format.asLong() != FORMAT) {
            throw new CorruptRecordException(znodePath,
                    "record format " + format + " is not one this version reads (it reads format " + FORMAT + ")", null);
        }
        ADDED_FIELDS.getOrDefault(type, Map.of()).forEach((pointer, absent) -> {
            if (object.at(pointer.head()) instanceof ObjectNode parent && !parent.has(pointer.last().getMatchingProperty())) {
                parent.set(pointer.last().getMatchingProperty(), absent);
            }
        });
        T record;
        try {
            record = mapper.treeToValue(object, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CorruptRecordException(znodePath, "not a valid " + type.getSimpleName() + " record: " + problemOf(e), e);
        }
        missingValue(record).ifPresent(field -> {
            throw new CorruptRecordException(znodePath, "not a valid " + type.getSimpleName() + " record: " + field + " has no value",
                    null);
        });
        return record;
    }

    /**
     * The first field, nested records and lists included, that holds null (an explicit null, or a value such as a blank
     * time that reads as none) where a record written by us always has a value.
     */
    private static Optional<String> missingValue(Record record) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
            String name = component.getName();
            if (value == null) {
                if (OPTIONAL_FIELDS.getOrDefault(record.getClass(), Set.of()).contains(name)) continue;
                return Optional.of(name);
            }
            Optional<String> nested = switch (value) {
                case Record r -> missingValue(r).map(n -> name + "." + n);
                case Collection<?> c -> c.stream().map(e -> e == null ? Optional.of(name + "[]")
                        : e instanceof Record r ? missingValue(r).map(n -> name + "[]." + n) : Optional.<String>empty())
                        .flatMap(Optional::stream).findFirst();
                default -> Optional.empty();
            };
            if (nested.isPresent()) return nested;
        }
        return Optional.empty();
    }

    /** The record constructor's own words when its validation failed, else Jackson's. */
    private static String problemOf(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
        if (cause instanceof JsonProcessingException json) return json.getOriginalMessage();
        return cause.getMessage();
    }
}
