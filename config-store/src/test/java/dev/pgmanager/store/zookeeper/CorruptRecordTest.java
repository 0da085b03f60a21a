package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Owner;
import dev.pgmanager.store.UnreadableRecord.Part;
import dev.pgmanager.store.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unreadable data in a znode never passes for an absent record. A part the cluster can go on without (a member's
 * record, a history entry, the handover request, the leader or synchronous record, the spec) is left out of the
 * snapshot and listed as unreadable, naming the znode and the problem, so the rest is still read; an unreadable
 * identity or epoch counter stops the read.
 */
class CorruptRecordTest {
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final String VALID_SPEC_FIELDS =
            "\"loopWaitMillis\":1000,\"maximumLagOnFailoverBytes\":0,\"synchronousMode\":false,\"paused\":false,\"parameters\":{}";
    private static final String VALID_MEMBER = "{\"format\":1,\"machineId\":\"m2\",\"region\":\"ams\",\"role\":\"REPLICA\","
            + "\"state\":\"streaming\",\"timeline\":1,\"receivedPosition\":0,\"replayedPosition\":0,\"tags\":{\"noFailover\":false,"
            + "\"priority\":0},\"databasePort\":5432,\"apiPort\":8008,\"updatedAt\":\"2026-03-01T12:00:00Z\"}";

    @Test
    void aMemberRecordThatIsNotJsonIsLeftOutAndTheOthersAreRead() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "members/m2", VALID_MEMBER);
        write(cluster, "members/x1", "not json");

        ClusterSnapshot snapshot = zk.store(cluster).read();

        assertEquals(List.of("m2"), List.copyOf(snapshot.members().keySet()));
        assertUnreadable(snapshot, Part.MEMBER, path(cluster, "members/x1"), "not valid JSON", Owner.NONE);
    }

    @Test
    void aMemberFiledUnderAnotherMachineIdIsLeftOut() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "members/m1", VALID_MEMBER);

        ClusterSnapshot snapshot = zk.store(cluster).read();

        assertTrue(snapshot.members().isEmpty());
        assertUnreadable(snapshot, Part.MEMBER, path(cluster, "members/m1"), "machine m2", Owner.NONE);
    }

    @Test
    void anUnreadableSpecGivesWayToTheLastOneThisClientRead() throws Exception {
        String cluster = zk.newCluster();
        var store = zk.store(cluster);
        assertEquals(ClusterSpec.defaults(), store.read().spec().value(), "before anyone wrote one");
        store.compareAndSetSpec(ClusterSpec.defaults().withPaused(true), Versioned.ABSENT);
        Versioned<ClusterSpec> written = store.read().spec();
        zk.rawClient().setData().forPath(path(cluster, "spec"), ("{\"format\":99," + VALID_SPEC_FIELDS + "}").getBytes(StandardCharsets.UTF_8));

        ClusterSnapshot snapshot = store.read();

        assertEquals(written, snapshot.spec(), "the last spec read, paused as it was");
        assertUnreadable(snapshot, Part.SPEC, path(cluster, "spec"), "format 99", Owner.NONE);
        ClusterSnapshot fresh = zk.store(cluster).read();
        assertEquals(ClusterSpec.defaults(), fresh.spec().value(), "a client that never read one goes on with the defaults");
        assertUnreadable(fresh, Part.SPEC, path(cluster, "spec"), "format 99", Owner.NONE);
    }

    @Test
    void aSpecWithoutFormatIsUnreadable() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "spec", "{" + VALID_SPEC_FIELDS + "}");

        assertUnreadable(zk.store(cluster).read(), Part.SPEC, path(cluster, "spec"), "no \"format\"", Owner.NONE);
    }

    @Test
    void anUnreadableHistoryEntryIsLeftOutAndTheOthersAreRead() throws Exception {
        String cluster = zk.newCluster();
        var store = zk.store(cluster);
        store.appendHistory(new HistoryEntry(Instant.parse("2026-03-01T12:00:00Z"), "bootstrap", "m1", 1, 1, "first"));
        store.appendHistory(new HistoryEntry(Instant.parse("2026-03-01T12:01:00Z"), "failover", "m2", 2, 2, "second"));
        String oldest = "history/" + zk.rawClient().getChildren().forPath(path(cluster, "history")).stream().sorted().findFirst().orElseThrow();
        zk.rawClient().setData().forPath(path(cluster, oldest), "garbage".getBytes(StandardCharsets.UTF_8));

        ClusterSnapshot snapshot = store.read();

        assertEquals(List.of("second"), snapshot.history().stream().map(HistoryEntry::detail).toList());
        assertUnreadable(snapshot, Part.HISTORY, path(cluster, oldest), "not valid JSON", Owner.NONE);
    }

    @Test
    void anEmptyHandoverRequestIsUnreadable() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "handover", "");

        ClusterSnapshot snapshot = zk.store(cluster).read();

        assertTrue(snapshot.handover().isEmpty());
        assertUnreadable(snapshot, Part.HANDOVER, path(cluster, "handover"), "empty", Owner.NONE);
    }

    @Test
    void anUnreadableSyncRecordIsListed() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "sync", "{\"format\":1}");

        ClusterSnapshot snapshot = zk.store(cluster).read();

        assertTrue(snapshot.sync().isEmpty());
        assertEquals(Part.SYNC, snapshot.unreadable().getFirst().part());
    }

    @Test
    void aPersistentUnreadableLeaderRecordIsNobodysAndAnyMemberMayRemoveIt() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "leader", "{\"format\":1,\"machineId\":\"m1\",\"epoch\":0,\"acquiredAt\":\"2026-03-01T12:00:00Z\"}");
        var store = zk.store(cluster);

        ClusterSnapshot snapshot = store.read();

        assertTrue(snapshot.leader().isEmpty());
        assertUnreadable(snapshot, Part.LEADER, path(cluster, "leader"), "epoch must be at least 1", Owner.NONE);
        assertThrows(CorruptRecordException.class, () -> store.tryAcquireLeadership("m1"), "nobody can take the lease over it");
        assertTrue(store.removeUnreadableLeader());
        assertTrue(store.tryAcquireLeadership("m1").isPresent(), "the lease can be taken once it is gone");
        assertFalse(store.removeUnreadableLeader(), "a readable lease is never removed");
        assertTrue(store.read().unreadable().isEmpty());
    }

    @Test
    void anUnreadableLeaseIsRemovedOnlyByTheSessionThatHoldsIt() throws Exception {
        String cluster = zk.newCluster();
        var holder = zk.store(cluster);
        var other = zk.store(cluster);
        Leader lease = holder.tryAcquireLeadership("m1").orElseThrow();
        // Garbage written over the lease keeps its owner: the holder's session.
        zk.rawClient().setData().forPath(path(cluster, "leader"), "garbage".getBytes(StandardCharsets.UTF_8));

        assertUnreadable(other.read(), Part.LEADER, path(cluster, "leader"), "not valid JSON", Owner.ANOTHER_SESSION);
        assertUnreadable(holder.read(), Part.LEADER, path(cluster, "leader"), "not valid JSON", Owner.THIS_SESSION);
        assertFalse(holder.confirmLeadership(lease), "the holder cannot confirm a lease it cannot read");
        assertFalse(other.removeUnreadableLeader());
        assertTrue(holder.removeUnreadableLeader());
        Leader next = other.tryAcquireLeadership("m2").orElseThrow();
        assertTrue(next.epoch() > lease.epoch());
    }

    @Test
    void anUnreadableIdentityStopsTheRead() throws Exception {
        assertReadFails("identity", "not json", "not valid JSON");
    }

    @Test
    void anUnreadableEpochCounterStopsTheRead() throws Exception {
        assertReadFails("epoch", "{\"format\":1}", "epoch");
    }

    @Test
    void repairCopiesEachUnreadableRecordAsideAndRemovesItRewritesSpecAndEpochAndLeavesSyncAndIdentity() throws Exception {
        String cluster = zk.newCluster();
        var store = zk.store(cluster);
        Leader lease = store.tryAcquireLeadership("m1").orElseThrow();
        store.appendHistory(new HistoryEntry(Instant.parse("2026-03-01T12:00:00Z"), "bootstrap", "m1", lease.epoch(), 1, "first"));
        write(cluster, "spec", "{\"format\":99}");
        write(cluster, "members/x1", "not json");
        write(cluster, "handover", "");
        write(cluster, "sync", "{\"format\":1}");
        zk.rawClient().setData().forPath(path(cluster, "epoch"), "garbage".getBytes(StandardCharsets.UTF_8));

        List<RecordRepair> planned = store.repairUnreadable(true);

        List<String> order = List.of(path(cluster, "spec"), path(cluster, "members/x1"), path(cluster, "epoch"), path(cluster, "sync"),
                path(cluster, "handover"));
        assertEquals(order, planned.stream().map(RecordRepair::location).toList());
        assertTrue(planned.stream().allMatch(r -> r.keptAt().isEmpty()), planned.toString());
        assertEquals("garbage", new String(zk.rawClient().getData().forPath(path(cluster, "epoch")), StandardCharsets.UTF_8),
                "a dry run changes nothing");

        List<RecordRepair> done = store.repairUnreadable(false);

        assertEquals(order, done.stream().map(RecordRepair::location).toList());
        RecordRepair epoch = done.get(2);
        // Two writes made the counter's version 1: no epoch above 2 was ever handed out.
        assertEquals("rewritten as 2, at least the highest epoch handed out", epoch.remedy());
        assertEquals("garbage", new String(zk.rawClient().getData().forPath(epoch.keptAt().orElseThrow()), StandardCharsets.UTF_8),
                "the bytes are kept");
        assertTrue(done.get(3).remedy().startsWith("left as it is") && done.get(3).keptAt().isEmpty(),
                "the sync record guards failovers: only a leader rewrites it");
        ClusterSnapshot repaired = store.read();
        assertEquals(List.of(path(cluster, "sync")), repaired.unreadable().stream().map(UnreadableRecord::location).toList());
        assertTrue(repaired.spec().value().paused(), "a lost spec comes back paused, so nothing acts on settings nobody chose");
        assertEquals(2, repaired.lastEpoch());
        assertEquals(List.of("first"), repaired.history().stream().map(HistoryEntry::detail).toList(), "readable records stay");
        assertEquals(lease, repaired.leader().orElseThrow());
        store.releaseLeadership(lease);
        assertEquals(3, zk.store(cluster).tryAcquireLeadership("m2").orElseThrow().epoch(),
                "the next lease gets a higher epoch than any before");
    }

    @Test
    void repairNeverRemovesAnUnreadableIdentity() throws Exception {
        String cluster = zk.newCluster();
        write(cluster, "identity", "not json");

        List<RecordRepair> done = zk.store(cluster).repairUnreadable(false);

        assertEquals(1, done.size());
        assertTrue(done.getFirst().remedy().startsWith("left as it is: without it a member with no data could start a new"),
                done.toString());
        assertEquals("not json", new String(zk.rawClient().getData().forPath(path(cluster, "identity")), StandardCharsets.UTF_8));
    }

    private static void write(String cluster, String relativePath, String content) throws Exception {
        zk.rawClient().create().creatingParentsIfNeeded().forPath(path(cluster, relativePath), content.getBytes(StandardCharsets.UTF_8));
    }

    private static String path(String cluster, String relativePath) {
        return "/pgmanager/" + cluster + "/" + relativePath;
    }

    private static void assertUnreadable(ClusterSnapshot snapshot, Part part, String path, String problem, Owner owner) {
        assertEquals(1, snapshot.unreadable().size(), snapshot.unreadable().toString());
        UnreadableRecord record = snapshot.unreadable().getFirst();
        assertEquals(part, record.part());
        assertEquals(path, record.location());
        assertTrue(record.problem().contains(path) && record.problem().contains(problem), record.problem());
        assertEquals(owner, record.owner());
    }

    private void assertReadFails(String relativePath, String content, String expectedProblem) throws Exception {
        String cluster = zk.newCluster();
        write(cluster, relativePath, content);
        String path = path(cluster, relativePath);

        var corrupt = assertThrows(CorruptRecordException.class, zk.store(cluster)::read);

        assertEquals(path, corrupt.location());
        assertTrue(corrupt.getMessage().contains(path), corrupt.getMessage());
        assertTrue(corrupt.getMessage().contains(expectedProblem), corrupt.getMessage());
    }
}
