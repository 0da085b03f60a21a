package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.store.AddressHistory;
import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one place the store holds addresses: each machine's address history, apart from the cluster's state. */
class AddressHistoryTest {
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final String A = "e7843d9c2e1589";
    private static final String B = "3d8dd10c421128";
    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    @Test
    void aMachineThatMovesGetsANewEntryAndAnUnchangedAddressOnlyItsLastSeenRefreshed() {
        var store = zk.store(zk.newCluster());
        store.recordAddress(A, "fdaa:0:1::a1", T0);
        store.recordAddress(A, "fdaa:0:1::a1", T0.plusSeconds(60));
        store.recordAddress(B, "fdaa:0:1::b1", T0);
        store.recordAddress(A, "fdaa:0:1::a2", T0.plusSeconds(120));
        store.recordAddress(A, "fdaa:0:1::a1", T0.plusSeconds(180)); // moved back: a new entry, the list is a timeline

        Map<String, List<AddressRecord>> history = store.readAddressHistory();

        assertEquals(List.of(
                new AddressRecord("fdaa:0:1::a1", T0, T0.plusSeconds(60)),
                new AddressRecord("fdaa:0:1::a2", T0.plusSeconds(120), T0.plusSeconds(120)),
                new AddressRecord("fdaa:0:1::a1", T0.plusSeconds(180), T0.plusSeconds(180))), history.get(A));
        assertEquals(List.of(new AddressRecord("fdaa:0:1::b1", T0, T0)), history.get(B));
    }

    @Test
    void onlyTheNewestEntriesAreKept() {
        var store = zk.store(zk.newCluster());
        for (int i = 0; i < AddressHistory.KEPT + 5; i++) store.recordAddress(A, "10.0.0." + i, T0.plusSeconds(i));

        List<AddressRecord> kept = store.readAddressHistory().get(A);

        assertEquals(AddressHistory.KEPT, kept.size());
        assertEquals("10.0.0.5", kept.getFirst().address());
        assertEquals("10.0.0." + (AddressHistory.KEPT + 4), kept.getLast().address());
    }

    @Test
    void theHistoryIsStoredAsDocumentedAndNeverPartOfTheClusterSnapshot() throws Exception {
        String cluster = zk.newCluster();
        var store = zk.store(cluster);
        store.touchMember(new Member(A, "ams", MemberRole.REPLICA, MemberState.STREAMING, 1, 10, 10, Member.Tags.NONE, 5433, 8008, T0));
        store.recordAddress(A, "fdaa:0:1::a1", T0);

        byte[] raw = zk.rawClient().getData().forPath("/pgmanager/" + cluster + "/addresses/" + A);
        JsonNode json = new ObjectMapper().readTree(raw);
        assertEquals(1, json.get("format").asInt());
        JsonNode entry = json.get("addresses").get(0);
        assertEquals("fdaa:0:1::a1", entry.get("address").asText());
        assertEquals("2026-11-29T10:00:00Z", entry.get("first_seen").asText());
        assertEquals("2026-11-29T10:00:00Z", entry.get("last_seen").asText());

        String snapshot = store.read().toString();
        assertFalse(snapshot.contains("fdaa:0:1::a1"), "the snapshot the control loop reads holds no address: " + snapshot);
        assertTrue(new String(raw, StandardCharsets.UTF_8).contains("fdaa:0:1::a1"));
    }

    @Test
    void noHistoryYetReadsAsEmpty() {
        assertTrue(zk.store(zk.newCluster()).readAddressHistory().isEmpty());
    }
}
