package dev.pgmanager.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quorum mode on a real four-member local cluster whose last member is tagged nosync: the leader waits for ANY 1 of
 * its other standbys, names them by machine ID in the store, and never counts the nosync member, not even when it
 * is the only standby left.
 */
class QuorumReplicationTest {
    private static LocalClusterHarness harness;
    private static String nosync;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(4, new LocalHaSettings(SynchronousMode.QUORUM, 1, false, false, 1));
        nosync = harness.machineIds().getLast();
        if (harness.leader().equals(nosync)) {
            // Its stop hands over to another member, which then chooses among the rest.
            harness.cluster.stop(nosync);
            harness.cluster.start(nosync);
        }
        harness.awaitHealthy(Duration.ofSeconds(90));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    void theLeaderWaitsForAnyOfItsStandbysButNeverTheNosyncOne() throws Exception {
        String leader = harness.leader();
        List<String> synchronous = harness.machineIds().stream().filter(id -> !id.equals(leader) && !id.equals(nosync)).sorted().toList();
        assertEquals(2, synchronous.size());
        String expected = "ANY 1 (" + synchronous.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(", ")) + ")";
        awaitState(leader, expected, new SyncState(leader, epoch(), Set.copyOf(synchronous), 1));

        // One quorum standby stops: the other alone counts; the nosync member streams but is still left out.
        harness.cluster.stop(synchronous.getFirst());
        String remaining = synchronous.getLast();
        awaitState(leader, "ANY 1 (\"" + remaining + "\")", new SyncState(leader, epoch(), Set.of(remaining), 1));
        // Both gone (not strict): asynchronous, and the store says no standby holds every write, rather than name nosync.
        harness.cluster.stop(remaining);
        awaitState(leader, "", new SyncState(leader, epoch(), Set.of(), 0));
        assertFalse(record().orElseThrow().synchronousStandbys().contains(nosync));

        harness.cluster.start(synchronous.getFirst());
        harness.cluster.start(remaining);
        harness.awaitHealthy(Duration.ofSeconds(90));
        awaitState(leader, expected, new SyncState(leader, epoch(), Set.copyOf(synchronous), 1));
    }

    private static void awaitState(String leader, String standbyNames, SyncState state) {
        Await.until(Duration.ofSeconds(60), "synchronous_standby_names = '" + standbyNames + "' and the store recording " + state,
                () -> standbyNames.equals(SynchronousReplicationTest.settingOf(harness, leader, "synchronous_standby_names"))
                        && record().equals(Optional.of(state)));
    }

    private static long epoch() {
        try (ZooKeeperClusterStore store = harness.store()) {
            return store.read().leader().orElseThrow().epoch();
        }
    }

    private static Optional<SyncState> record() {
        try (ZooKeeperClusterStore store = harness.store()) {
            return store.read().sync();
        }
    }
}
