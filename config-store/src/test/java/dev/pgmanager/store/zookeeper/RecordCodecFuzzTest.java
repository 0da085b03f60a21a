package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pgmanager.store.AddressHistory;
import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.SyncState;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated bytes fed to the record codec, as garbage in the store would reach it: every input decodes to a
 * whole record (no component null that may not be) or is refused with {@link CorruptRecordException} naming the znode;
 * no other exception ever escapes to the control loop. Seeded, so a failure can be replayed.
 */
class RecordCodecFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 20261203L);
    private static final int MUTATIONS_PER_RECORD = 3000;
    private static final String PATH = "/pgmanager/fuzz/record";
    /** The only components a stored record may leave null: a hand-over request names its source or target optionally. */
    private static final Set<String> NULLABLE = Set.of("HandoverRequest.from", "HandoverRequest.to", "HandoverRequest.lastLsn");
    private static final Instant AT = Instant.parse("2026-12-03T00:00:00Z");
    private static final List<String> TOKENS = List.of("null", "true", "false", "0", "-1", "1e999", "\"\"", "\"x\"", "[]", "{}",
            "\"UNKNOWN\"", "\"2026-13-45T99:99:99Z\"", "9223372036854775808", "\"\\u0000\"", "{\"format\":1}", ",", ":", "\"", "\uFFFF");

    private final RecordCodec codec = new RecordCodec();

    @Test
    void garbageNeverEscapesAsAnythingButAnUnreadableRecord() {
        Map<Class<? extends Record>, Record> samples = Map.of(
                ClusterSpec.class, ClusterSpec.defaults().withPaused(true),
                ClusterIdentity.class, new ClusterIdentity("m1", "7311111111111111111", AT),
                Member.class, new Member("m1", "ams", MemberRole.PRIMARY, MemberState.RUNNING, 3, 100, 90, new Member.Tags(true, 2, true),
                        5432, 8008, true, Optional.of(new Member.Backups(Optional.of(AT), Optional.of("000000030000000000000001"),
                                Optional.of(AT), Optional.empty(), 2, Optional.of(AT), Optional.of("20261203-000000F"), Optional.of(AT), 1,
                                1000, Optional.of("the bucket does not answer"), 60_000, 86_400_000)), AT),
                Leader.class, new Leader("m1", 7, AT),
                EpochCounter.class, new EpochCounter(7),
                SyncState.class, new SyncState("m1", 7, Set.of("m2", "m3"), 1),
                HistoryEntry.class, new HistoryEntry(AT, "failover", "m2", 7, 3, "promoted"),
                HandoverRequest.class, new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, "m1", "m2", AT).withLastLsn(0x1B0000A0L),
                AddressHistory.class, new AddressHistory(List.of(new AddressRecord("fdaa:0:1::2", AT, AT))));
        Random random = new Random(SEED);
        samples.forEach((type, sample) -> {
            byte[] valid = codec.encode(sample);
            check(type, valid, "the valid encoding");
            for (int i = 0; i < MUTATIONS_PER_RECORD; i++) {
                byte[] input = mutate(valid, random);
                check(type, input, "mutation " + i + " (seed " + SEED + ")");
            }
            for (int i = 0; i < 200; i++) {
                byte[] noise = new byte[random.nextInt(64)];
                random.nextBytes(noise);
                check(type, noise, "random bytes " + i + " (seed " + SEED + ")");
            }
        });
    }

    private void check(Class<? extends Record> type, byte[] input, String what) {
        Record decoded;
        try {
            decoded = codec.decode(PATH, input, type);
        } catch (CorruptRecordException refused) {
            assertNotNull(refused.getMessage());
            if (!PATH.equals(refused.location())) fail("the refusal does not name the znode: " + refused.getMessage());
            return;
        } catch (RuntimeException escaped) {
            throw new AssertionError(type.getSimpleName() + ", " + what + ": " + escaped + " escaped for input "
                    + new String(input, StandardCharsets.UTF_8), escaped);
        }
        for (RecordComponent component : type.getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(decoded);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            String name = type.getSimpleName() + "." + component.getName();
            if (value == null && !NULLABLE.contains(name)) {
                fail(type.getSimpleName() + ", " + what + ": decoded with " + name + " null from input "
                        + new String(input, StandardCharsets.UTF_8));
            }
        }
    }

    /** One to three edits of the kinds a bad write or a bit flip makes: bytes changed, cut, repeated, or JSON tokens swapped in. */
    private static byte[] mutate(byte[] valid, Random random) {
        String text = new String(valid, StandardCharsets.ISO_8859_1);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && !text.isEmpty(); e++) {
            int at = random.nextInt(text.length());
            text = switch (random.nextInt(6)) {
                case 0 -> text.substring(0, at) + (char) random.nextInt(256) + text.substring(Math.min(text.length(), at + 1));
                case 1 -> text.substring(0, at);
                case 2 -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(8)));
                case 3 -> text.substring(0, at) + text.substring(at, Math.min(text.length(), at + 1 + random.nextInt(12))) + text.substring(at);
                default -> replaceValue(text, random);
            };
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Replaces the value after a random colon with a JSON token of another kind. */
    private static String replaceValue(String text, Random random) {
        int colon = text.indexOf(':', random.nextInt(text.length()));
        if (colon < 0) return text;
        int end = colon + 1;
        while (end < text.length() && ",}]".indexOf(text.charAt(end)) < 0) end++;
        String token = TOKENS.get(random.nextInt(TOKENS.size()));
        return text.substring(0, colon + 1) + token + text.substring(end);
    }
}
