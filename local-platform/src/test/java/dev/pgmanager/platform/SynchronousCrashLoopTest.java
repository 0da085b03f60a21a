package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Strict synchronous replication's promise, tested by repetition: a writer follows the primary through a multi-host URL
 * without pause while the primary crashes (its PostgreSQL and sidecar SIGKILLed) again and again; after every crash the
 * promoted survivor holds every write ever acknowledged, and so does the final primary.
 */
class SynchronousCrashLoopTest {
    private static final int CRASHES = 20;
    private static final Duration SESSION = LocalClusterHarness.SESSION_TIMEOUT;
    private static final Duration FAILOVER_BOUND = SESSION.plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(3)).plusSeconds(10);
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(90);
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(20);

    private static LocalClusterHarness harness;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3, new LocalHaSettings(SynchronousMode.ON, 1, true, false, 0));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    void noAcknowledgedWriteIsLostOverTwentyCrashesOfThePrimary() throws Exception {
        // Strict mode: every commit, the writer's CREATE TABLE too, waits until the leader has a synchronous standby.
        awaitSynchronousStandbyOf(harness.awaitHealthy(REJOIN_BOUND).leader());
        Instant started = Instant.now();
        List<Duration> failovers = new ArrayList<>();
        try (SequenceWriter writer = harness.writer("crash_loop", WRITE_INTERVAL)) {
            for (int crash = 1; crash <= CRASHES; crash++) {
                String round = "crash " + crash + " of " + CRASHES;
                String leader = harness.awaitHealthy(REJOIN_BOUND).leader();
                // Crash only once the leader has a synchronous standby and the writer writes through it.
                awaitSynchronousStandbyOf(leader);
                int before = writer.acknowledgedCount();
                Await.until(Duration.ofSeconds(20), round + ": the writer writes to " + leader, () -> writer.acknowledgedCount() >= before + 10);

                Instant killed = Instant.now();
                harness.cluster.kill(leader);
                String survivor = awaitLeaderOtherThan(leader);
                // The crashed member comes back as a platform restarts a machine, while the survivor takes over.
                harness.cluster.start(leader);
                int atTakeover = writer.acknowledgedCount();
                Await.until(FAILOVER_BOUND, round + ": the writer writes to " + survivor, () -> writer.acknowledgedCount() > atTakeover);
                failovers.add(Duration.between(killed, Instant.now()));
                try (Connection c = harness.connect(survivor)) {
                    assertEquals(List.of(), writer.lostWrites(c), round + ": acknowledged writes missing on the survivor " + survivor);
                }
            }
            String last = harness.awaitHealthy(REJOIN_BOUND).leader();
            writer.close();
            try (Connection c = harness.connect(last)) {
                assertEquals(List.of(), writer.lostWrites(c), "acknowledged writes missing on the final primary " + last);
            }
            assertTrue(writer.acknowledgedCount() > 20 * CRASHES, writer.acknowledgedCount() + " writes acknowledged");
            System.out.printf("%d crashes of the primary in %d s, %d writes acknowledged, none lost; kill to first write on the "
                    + "survivor: %s%n", CRASHES, Duration.between(started, Instant.now()).toSeconds(), writer.acknowledgedCount(),
                    failovers.stream().map(d -> d.toMillis() + " ms").toList());
        }
    }

    private static void awaitSynchronousStandbyOf(String leader) {
        Await.until(Duration.ofSeconds(30), "a synchronous standby recorded by " + leader, () -> synchronousState()
                .filter(s -> s.leader().equals(leader) && s.synchronousStandbys().size() == 1).isPresent());
    }

    private static Optional<SyncState> synchronousState() {
        try (ZooKeeperClusterStore store = harness.store()) {
            return store.read().sync();
        }
    }

    private static String awaitLeaderOtherThan(String old) {
        Await.until(FAILOVER_BOUND, "another member than " + old + " to lead", () -> {
            String now = harness.status().leader();
            return now != null && !now.equals(old) && harness.member(now).role().equals("primary");
        });
        return harness.status().leader();
    }
}
