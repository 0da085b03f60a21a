package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quorum mode on a real three-member local cluster whose last member is tagged nosync: the leader waits for ANY 1 of
 * its other standbys (one here; several are a row of the decision table), names it by machine ID in the store, and
 * never counts the nosync member, not even when it is the only standby left.
 */
class QuorumReplicationTest {
    private static LocalClusterHarness harness;
    private static String nosync;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3, new LocalHaSettings(SynchronousMode.QUORUM, 1, false, false, 1));
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
        String standby = harness.machineIds().stream().filter(id -> !id.equals(leader) && !id.equals(nosync)).findFirst().orElseThrow();
        awaitState(leader, "ANY 1 (\"" + standby + "\")", new SyncState(leader, epoch(), Set.of(standby), 1));

        // The quorum standby stops: the nosync member still streams, yet the leader goes asynchronous (not strict) and
        // the store says no standby holds every write, rather than count it.
        harness.cluster.stop(standby);
        awaitState(leader, "", new SyncState(leader, epoch(), Set.of(), 0));
        assertTrue(harness.receiverStreaming(nosync), nosync + " streams all along");

        harness.cluster.start(standby);
        harness.awaitHealthy(Duration.ofSeconds(90));
        awaitState(leader, "ANY 1 (\"" + standby + "\")", new SyncState(leader, epoch(), Set.of(standby), 1));
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
