package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.platform.LocalStatus.MemberStatus;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Platform migrations on a real three-member local cluster: a member stops with its kill signal, its volume is forked,
 * and it starts with the same machine ID at a new address. Every test writes a sequence every 20 ms and checks every
 * acknowledged row afterwards. The tests share one cluster and run in order; each leaves it healthy.
 *
 * <p>On loopback the kernel chooses every connection's source address itself (127.0.0.1 for the 127/8 route, or an
 * address of the cluster's /64 on {@code lo}), so {@code pg_stat_replication.client_addr} cannot show a replica's new
 * address; a replica is identified there by its
 * machine ID ({@code application_name}), and its own {@code pg_stat_wal_receiver.conninfo} shows the leader's address
 * it connects to ({@code sender_host} shows the DNS name, since {@code host} is given next to {@code hostaddr}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationTest {
    /** A planned hand-over: the lease moves at once, but allow the bound of a crash failover. */
    private static final Duration SWITCHOVER_BOUND =
            LocalClusterHarness.SESSION_TIMEOUT.plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(3)).plusSeconds(10);
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(90);
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(20);
    private static final Pattern HOSTADDR = Pattern.compile("\\bhostaddr='?([^' ]+)");

    private static LocalClusterHarness harness;
    /** The first primary's address before it migrated: nothing listens there any more. */
    private static String formerPrimaryAddress;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness == null) return;
        // Every address the cluster ever had: the members' first ones and those they migrated to.
        String network = harness.currentFile().members().getFirst().address();
        harness.close();
        if (LoopbackAddresses.canManage()) {
            String prefix = network.substring(0, network.indexOf("::") + 2);
            List<String> left = LoopbackAddresses.present().stream().filter(a -> a.startsWith(prefix)).toList();
            assertEquals(List.of(), left, "addresses of the cluster's " + prefix + "/64 left on lo after down --purge"
                    + " (ip -6 addr show dev lo)");
        }
    }

    @Test
    @Order(0)
    void asRootMembersGetFdaaIpv6AddressesOnTheLoopback() throws Exception {
        Prerequisites.require(LoopbackAddresses.canManage(), "root (members get fdaa: addresses on lo)");
        List<String> onLoopback = LoopbackAddresses.present();
        for (LocalClusterFile.LocalMember m : harness.currentFile().members()) {
            assertTrue(m.address().startsWith("fdaa:") && m.address().contains("::"), m + " has an fdaa: IPv6 address");
            assertTrue(onLoopback.contains(m.address()), m.address() + " is on lo: " + onLoopback);
            assertEquals(m.address(), harness.member(m.machineId()).address(), "DNS answers the member's address (AAAA)");
        }
        assertTrue(harness.status().databaseUrl().contains("@[" + harness.currentFile().members().getFirst().address() + "]:"),
                harness.status().databaseUrl());
    }

    @Test
    @Order(1)
    void aMigratedReplicaStreamsAgainFromItsNewAddressWithoutAFailover() throws Exception {
        LocalStatus before = harness.awaitHealthy(REJOIN_BOUND);
        String leader = before.leader();
        String replica = otherThan(leader);
        String oldAddress = harness.member(replica).address();
        try (SequenceWriter writer = writer("replica_migration_writes")) {
            awaitWrites(writer, 50);
            Instant migratedAt = Instant.now();
            harness.cluster.migrate(replica, Duration.ZERO, System.err);

            LocalStatus after = harness.awaitHealthy(REJOIN_BOUND);
            String newAddress = harness.member(replica).address();
            assertNotEquals(oldAddress, newAddress, "the replica has a new address");
            assertEquals(harness.currentFile().member(replica).orElseThrow().address(), newAddress,
                    "local status shows the address DNS answers now");
            assertEquals(leader, after.leader(), "no failover");
            assertEquals(before.epoch(), after.epoch(), "no new lease");
            assertStreams(replica, leader);
            assertRefusesConnectionsAt(oldAddress, harness.member(replica).pgPort());

            awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            try (Connection primary = harness.connect(leader)) {
                assertEquals(List.of(), writer.lostWrites(primary), "acknowledged writes lost");
            }
            Duration gap = writer.longestGapSince(migratedAt);
            System.out.printf("replica migration: write gap %d ms, 0 acknowledged writes lost%n", gap.toMillis());
        }
        try (ZooKeeperClusterStore store = store()) {
            ClusterSnapshot snapshot = store.read();
            assertTrue(snapshot.history().stream().anyMatch(e -> e.kind().equals("migration") && e.machineId().equals(replica)),
                    "the migration is in the cluster's history: " + snapshot.history());
            assertFalse(snapshot.history().stream().map(HistoryEntry::detail).anyMatch(d -> d.contains(oldAddress)),
                    "no address in the history");
            List<String> addresses = store.readAddressHistory().get(replica).stream().map(AddressRecord::address)
                    .map(AddressText::canonical).toList();
            assertEquals(List.of(oldAddress, harness.member(replica).address()), addresses, "the replica's address history");
        }
    }

    @Test
    @Order(2)
    void aMigratedPrimaryHandsOverFirstLosesNoWriteAndRejoinsAsAReplica() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String oldLeader = harness.leader();
        formerPrimaryAddress = harness.member(oldLeader).address();
        try (SequenceWriter writer = writer("primary_migration_writes")) {
            awaitWrites(writer, 50);
            Instant migratedAt = Instant.now();
            harness.cluster.migrate(oldLeader, Duration.ZERO, System.err);

            Await.until(SWITCHOVER_BOUND, "another member leads and accepts writes",
                    () -> !oldLeader.equals(harness.status().leader()) && writer.lastAcknowledged().isAfter(migratedAt));
            LocalStatus healed = harness.awaitHealthy(REJOIN_BOUND);
            String newLeader = healed.leader();
            assertNotEquals(oldLeader, newLeader);
            MemberStatus old = harness.member(oldLeader);
            assertEquals("replica", old.role(), "the old primary rejoined as a replica");
            assertNotEquals(formerPrimaryAddress, old.address(), "at its new address");
            assertStreams(oldLeader, newLeader);

            awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            Duration gap = writer.longestGapSince(migratedAt);
            assertTrue(gap.compareTo(SWITCHOVER_BOUND) <= 0, "write gap " + gap.toMillis() + " ms");
            try (Connection primary = harness.connect(newLeader)) {
                assertEquals(List.of(), writer.lostWrites(primary), "a hand-over loses no acknowledged write");
            }
            System.out.printf("primary migration: write gap %d ms, 0 acknowledged writes lost%n", gap.toMillis());
        }
        try (ZooKeeperClusterStore store = store()) {
            assertTrue(store.read().history().stream().anyMatch(e -> e.kind().equals("switchover") && e.machineId().equals(harness.leader())),
                    "the stop was a switchover, not a failover");
        }
    }

    /**
     * The negative control: a replica whose primary_conninfo names a literal address the leader no longer has stops
     * streaming (the failure this product exists to prevent), and pgmanager, once it manages the member again,
     * re-points it at the address DNS gives now.
     */
    @Test
    @Order(3)
    void aReplicaPinnedToAStaleAddressStopsStreamingUntilPgmanagerRePointsIt() throws Exception {
        assertNotNull(formerPrimaryAddress, "runs after the primary's migration");
        harness.awaitHealthy(REJOIN_BOUND);
        String leader = harness.leader();
        String replica = otherThan(leader);
        String leaderAddress = harness.member(leader).address();
        try (SequenceWriter writer = writer("pinned_writes")) {
            awaitWrites(writer, 25);
            setPaused(true);
            Thread.sleep(LocalClusterHarness.LOOP_WAIT.multipliedBy(2).toMillis());
            Path upstream = harness.cluster.dir().resolve("members").resolve(replica).resolve("data").resolve("pgmanager-upstream.conf");
            String conf = Files.readString(upstream, StandardCharsets.UTF_8);
            assertTrue(conf.contains("hostaddr=''" + leaderAddress + "''"), conf);
            // Pinned by hand, as a manager that saved addresses would have it: the leader's address of before its move.
            Files.writeString(upstream, conf.replace("hostaddr=''" + leaderAddress + "''", "hostaddr=''" + formerPrimaryAddress + "''"),
                    StandardCharsets.UTF_8);
            try (Connection c = harness.connect(replica); Statement s = c.createStatement()) {
                s.execute("SELECT pg_reload_conf()");
            }
            Await.until(Duration.ofSeconds(20), replica + " stops streaming", () -> !receiverStreaming(replica));
            // Paused, the replica's sidecar keeps observing: once it has looked at the pinned upstream over two passes
            // more, it has had every chance to fix it, and must not have.
            double passes = harness.metrics(replica).value("pgmanager_control_loop_duration_seconds_count");
            Await.until(LocalClusterHarness.LOOP_WAIT.multipliedBy(10), "two more passes of " + replica + "'s sidecar while paused",
                    () -> harness.metrics(replica).value("pgmanager_control_loop_duration_seconds_count") >= passes + 2);
            assertFalse(receiverStreaming(replica), "paused, nobody fixes the pinned address");
            assertTrue(sidecarLog(replica).contains("paused: observing only"), "the sidecar says it only observes");

            Instant resumedAt = Instant.now();
            setPaused(false);
            Await.untilAnswered(Duration.ofSeconds(20), replica + " streams again", () -> receiverStreaming(replica));
            Duration repointed = Duration.between(resumedAt, Instant.now());
            assertStreams(replica, leader);
            assertTrue(sidecarLog(replica).contains("the leader " + leader + " moved from " + formerPrimaryAddress + " to "
                    + leaderAddress + ": re-pointing"), "the re-point is logged with its reason");

            awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            long last = lastSequence(leader, "pinned_writes");
            Await.until(Duration.ofSeconds(20), replica + " caught up", () -> lastSequence(replica, "pinned_writes") >= last);
            try (Connection r = harness.connect(replica)) {
                assertEquals(List.of(), writer.lostWrites(r), "the re-pointed replica has every acknowledged write");
            }
            System.out.printf("pinned replica: streaming again %d ms after resume%n", repointed.toMillis());
        } finally {
            setPaused(false);
        }
    }

    @Test
    @Order(4)
    void aSlowDnsUpdateCrashesNothingAndTheClusterConverges() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String oldLeader = harness.leader();
        String oldAddress = harness.member(oldLeader).address();
        try (SequenceWriter writer = writer("dns_lag_writes")) {
            awaitWrites(writer, 50);
            Instant migratedAt = Instant.now();
            harness.cluster.migrate(oldLeader, Duration.ofSeconds(5), System.err);

            LocalStatus healed = harness.awaitHealthy(REJOIN_BOUND);
            String newAddress = harness.currentFile().member(oldLeader).orElseThrow().address();
            assertNotEquals(oldAddress, newAddress);
            assertEquals(newAddress, harness.member(oldLeader).address(), "DNS answers the new address");
            assertTrue(healed.members().stream().allMatch(m -> m.pid() != null), "every sidecar runs: " + healed.summary());
            assertStreams(oldLeader, healed.leader());

            awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            Duration gap = writer.longestGapSince(migratedAt);
            assertTrue(gap.compareTo(SWITCHOVER_BOUND) <= 0, "write gap " + gap.toMillis() + " ms");
            try (Connection primary = harness.connect(healed.leader())) {
                assertEquals(List.of(), writer.lostWrites(primary), "acknowledged writes lost");
            }
            System.out.printf("primary migration with 5 s DNS lag: write gap %d ms, 0 acknowledged writes lost%n", gap.toMillis());
        }
    }

    // ---- helpers

    /** {@code replica} streams from {@code leader}, at the address the leader has now. */
    private static void assertStreams(String replica, String leader) throws SQLException {
        String leaderAddress = harness.member(leader).address();
        Await.untilAnswered(Duration.ofSeconds(30), replica + " streams from " + leader + " at " + leaderAddress,
                () -> receiverConninfo(replica).flatMap(MigrationTest::hostaddr).filter(leaderAddress::equals).isPresent()
                        && receiverStreaming(replica));
        try (Connection c = harness.connect(leader); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT state, client_addr FROM pg_stat_replication WHERE application_name = '"
                        + replica + "'")) {
            assertTrue(r.next(), leader + " has a WAL sender for " + replica);
            assertEquals("streaming", r.getString(1));
            System.out.printf("%s streams from %s: its client_addr there is %s (loopback source), conninfo %s%n", replica, leader,
                    r.getString(2), receiverConninfo(replica).orElse("?"));
        }
    }

    private static boolean receiverStreaming(String machineId) {
        return harness.receiverStreaming(machineId);
    }

    private static Optional<String> receiverConninfo(String machineId) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT conninfo FROM pg_stat_wal_receiver")) {
            return r.next() ? Optional.ofNullable(r.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask " + machineId + " for its WAL receiver: " + e.getMessage(), e);
        }
    }

    /** The hostaddr in a conninfo as pg_stat_wal_receiver shows it (quoted after a reload, bare after a start). */
    private static Optional<String> hostaddr(String conninfo) {
        Matcher m = HOSTADDR.matcher(conninfo);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static void assertRefusesConnectionsAt(String address, int port) {
        var p = new java.util.Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", harness.file.superuserPassword());
        p.setProperty("connectTimeout", "2");
        assertThrows(SQLException.class, () -> java.sql.DriverManager.getConnection(
                "jdbc:postgresql://" + address + ":" + port + "/postgres", p).close(), "nothing listens at the old address");
    }

    private static void setPaused(boolean paused) {
        try (ZooKeeperClusterStore store = store()) {
            var spec = store.read().spec();
            if (spec.value().paused() != paused) store.compareAndSetSpec(spec.value().withPaused(paused), spec.version());
        }
    }

    private static ZooKeeperClusterStore store() {
        return harness.store();
    }

    private static String sidecarLog(String machineId) throws java.io.IOException {
        return Files.readString(harness.cluster.dir().resolve("members").resolve(machineId).resolve("sidecar.log"), StandardCharsets.UTF_8);
    }

    private static SequenceWriter writer(String table) throws SQLException {
        // Listed at their addresses of now; a migrated primary hands over to a member that did not move.
        return harness.writer(table, WRITE_INTERVAL);
    }

    private static void awaitWrites(SequenceWriter writer, int count) {
        LocalClusterHarness.awaitWrites(writer, count);
    }

    private static String otherThan(String machineId) {
        return harness.machineIds().stream().filter(id -> !id.equals(machineId)).findFirst().orElseThrow();
    }

    private static long lastSequence(String machineId, String table) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }
}
