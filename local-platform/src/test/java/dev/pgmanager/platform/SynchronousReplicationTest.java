package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Synchronous replication ({@code on}, strict) and failsafe mode on one real three-member local cluster. The tests run
 * in order; each leaves the cluster healthy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SynchronousReplicationTest {
    private static final Duration SESSION = LocalClusterHarness.SESSION_TIMEOUT;
    private static final Duration FAILOVER_BOUND = SESSION.plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(3)).plusSeconds(10);
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(90);

    private static LocalClusterHarness harness;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3, new LocalHaSettings(SynchronousMode.ON, 1, true, true, 0));
        execute(harness.leader(), "CREATE TABLE acknowledged (label text PRIMARY KEY)", Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    @Order(1)
    void theLeaderWaitsForOneStandbyByMachineIdAndRecordsIt() throws Exception {
        String leader = harness.awaitHealthy(Duration.ofSeconds(30)).leader();
        String standby = awaitSynchronousSet(leader).iterator().next();
        assertNotEquals(leader, standby);
        assertEquals("FIRST 1 (\"" + standby + "\")", setting(leader, "synchronous_standby_names"));
        try (Connection c = harness.connect(leader); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + standby + "'")) {
            assertTrue(r.next());
            assertEquals("sync", r.getString(1));
        }
    }

    @Test
    @Order(2)
    void strictModeBlocksWritesWithoutAStandbyUntilOneReturns() throws Exception {
        String leader = harness.awaitHealthy(Duration.ofSeconds(60)).leader();
        List<String> replicas = harness.machineIds().stream().filter(id -> !id.equals(leader)).toList();
        for (String replica : replicas) harness.cluster.stop(replica);

        // The client gives up; the commit is not acknowledged.
        assertThrows(SQLException.class, () -> execute(leader, "INSERT INTO acknowledged VALUES ('strict-timeout')", Duration.ofSeconds(3)));
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                execute(leader, "INSERT INTO acknowledged VALUES ('strict-waits')", Duration.ofSeconds(90));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        // Strict mode must not relax once the standbys are gone from the store: wait until their records have expired
        // and the leader's sidecar has decided on that twice, with the write seen waiting for a synchronous standby.
        try (ZooKeeperClusterStore store = harness.store()) {
            Await.until(SESSION.multipliedBy(3), "the stopped replicas' records leave the store",
                    () -> store.read().members().keySet().stream().noneMatch(replicas::contains));
        }
        double passes = harness.metrics(leader).value("pgmanager_control_loop_duration_seconds_count");
        Await.until(LocalClusterHarness.LOOP_WAIT.multipliedBy(10), "two more passes of the leader's sidecar",
                () -> harness.metrics(leader).value("pgmanager_control_loop_duration_seconds_count") >= passes + 2);
        assertEquals("SyncRep", waitEventOf(leader, "%strict-waits%"), "the write waits for a synchronous standby");
        assertFalse(blocked.isDone(), "a write was acknowledged with no standby");
        assertNotEquals("", setting(leader, "synchronous_standby_names"), "strict mode still names a standby to wait for");
        Instant restart = Instant.now();
        harness.cluster.start(replicas.getFirst());
        blocked.get(REJOIN_BOUND.toSeconds(), TimeUnit.SECONDS);
        System.err.println("the waiting write was acknowledged " + Duration.between(restart, Instant.now()).toMillis()
                + " ms after a standby was started");
        harness.cluster.start(replicas.getLast());
        harness.awaitHealthy(REJOIN_BOUND);
    }

    @Test
    @Order(3)
    void aWriteAcknowledgedJustBeforeThePrimaryCrashesSurvivesTheFailover() throws Exception {
        String leader = harness.awaitHealthy(Duration.ofSeconds(60)).leader();
        String standby = awaitSynchronousSet(leader).iterator().next();
        execute(leader, "INSERT INTO acknowledged VALUES ('before-crash')", Duration.ofSeconds(10));
        harness.cluster.kill(leader);

        String promoted = awaitLeaderOtherThan(leader);
        assertEquals(standby, promoted, "only the synchronous standby may be promoted");
        assertTrue(rowExists(promoted, "before-crash"), "the acknowledged write is on the new primary");
        harness.cluster.start(leader);
        harness.awaitHealthy(REJOIN_BOUND);
        assertTrue(rowExists(harness.leader(), "strict-waits"));
    }

    @Test
    @Order(4)
    void aPrimaryWhoseSidecarFreezesCannotAcknowledgeOnceAnotherIsPromotedAndRejoinsAfterwards() throws Exception {
        String leader = harness.awaitHealthy(Duration.ofSeconds(60)).leader();
        // Until the leader records a synchronous standby nobody may replace it (none is known to hold every
        // acknowledged write): streaming replicas are not enough, the record must name one.
        awaitSynchronousSet(leader);
        long sidecar = harness.cluster.sidecarPid(leader).orElseThrow();
        LocalClusterHarness.signal("-STOP", sidecar);
        try {
            String promoted = awaitLeaderOtherThan(leader);
            assertThrows(SQLException.class, () -> execute(leader, "INSERT INTO acknowledged VALUES ('frozen-primary')", Duration.ofSeconds(3)),
                    "the old primary acknowledged a write after " + promoted + " was promoted");
        } finally {
            LocalClusterHarness.signal("-CONT", sidecar);
        }
        harness.awaitHealthy(REJOIN_BOUND);
        assertNotEquals(leader, harness.leader());
        assertEquals("replica", harness.member(leader).role(), leader + " demoted itself and rejoined");
        assertFalse(rowExists(harness.leader(), "frozen-primary"));
    }

    @Test
    @Order(5)
    void failsafeKeepsThePrimaryWritableWhileEveryMemberConfirmsAndStopsItWhenOneDoesNot() throws Exception {
        String leader = harness.awaitHealthy(Duration.ofSeconds(60)).leader();
        List<String> ids = harness.machineIds();
        for (String id : ids) harness.cluster.isolate(id);
        String silent = ids.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        long silentSidecar = harness.cluster.sidecarPid(silent).orElseThrow();
        try {
            // Past a whole session: the lease has expired on the server, yet every member confirms it follows the primary.
            Thread.sleep(SESSION.multipliedBy(2).plusSeconds(1).toMillis());
            execute(leader, "INSERT INTO acknowledged VALUES ('failsafe')", Duration.ofSeconds(3));

            LocalClusterHarness.signal("-STOP", silentSidecar);
            Await.until(SESSION.multipliedBy(2), "the primary to stop accepting writes once " + silent + " cannot confirm", () -> {
                try {
                    execute(leader, "INSERT INTO acknowledged VALUES ('after-" + System.nanoTime() + "')", Duration.ofSeconds(2));
                    return false;
                } catch (SQLException e) {
                    return true;
                }
            });
        } finally {
            LocalClusterHarness.signal("-CONT", silentSidecar);
            for (String id : ids) harness.cluster.heal(id);
        }
        harness.awaitHealthy(REJOIN_BOUND);
        assertTrue(rowExists(harness.leader(), "failsafe"));
    }

    private static Set<String> awaitSynchronousSet(String leader) {
        Await.until(Duration.ofSeconds(30), "a synchronous standby recorded by " + leader, () -> record()
                .filter(s -> s.leader().equals(leader) && s.quorum() == 1 && s.synchronousStandbys().size() == 1).isPresent());
        return record().orElseThrow().synchronousStandbys();
    }

    private static Optional<SyncState> record() {
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

    /** Runs {@code sql} on {@code machineId}, the client giving up after {@code timeout}. */
    static void execute(String machineId, String sql, Duration timeout) throws SQLException {
        try (Connection c = connect(machineId, timeout); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The wait event of the member's backend running a statement LIKE {@code pattern}; null when none runs it. */
    private static String waitEventOf(String machineId, String pattern) throws SQLException {
        try (Connection c = harness.connect(machineId);
                PreparedStatement s = c.prepareStatement("SELECT wait_event FROM pg_stat_activity WHERE query LIKE ? AND pid <> pg_backend_pid()")) {
            s.setString(1, pattern);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private static String setting(String machineId, String name) {
        return settingOf(harness, machineId, name);
    }

    /** A server setting of one member as it is in effect now; null when the member cannot be asked. */
    static String settingOf(LocalClusterHarness cluster, String machineId, String name) {
        try (Connection c = cluster.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT current_setting('" + name + "')")) {
            r.next();
            return r.getString(1);
        } catch (SQLException e) {
            return null;
        }
    }

    private static boolean rowExists(String machineId, String label) throws SQLException {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM acknowledged WHERE label = '" + label + "'")) {
            r.next();
            return r.getLong(1) == 1;
        }
    }

    private static Connection connect(String machineId, Duration timeout) throws SQLException {
        LocalMember m = harness.currentFile().member(machineId).orElseThrow();
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", harness.file.superuserPassword());
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        return DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres"), p);
    }

}
