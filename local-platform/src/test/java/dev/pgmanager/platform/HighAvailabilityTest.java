package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.platform.LocalStatus.MemberStatus;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.testing.ProcStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The sidecar's promise, on a real three-member local cluster (real processes, PostgreSQL and ZooKeeper): writable
 * through the loss of any one member. The tests share one cluster and run in order; each leaves it healthy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HighAvailabilityTest {
    /** A crashed leader's lease expires after the session timeout; a pass or three later the best replica has promoted. */
    private static final Duration FAILOVER_BOUND =
            LocalClusterHarness.SESSION_TIMEOUT.plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(3)).plusSeconds(10);
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(90);
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(20);

    private static LocalClusterHarness harness;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    @Order(1)
    void threeMembersBootstrapIntoOnePrimaryAndTwoStreamingReplicas() throws Exception {
        LocalStatus status = harness.awaitHealthy(Duration.ofSeconds(30));
        String leader = status.leader();
        assertEquals(1, status.members().stream().filter(m -> m.role().equals("primary")).count());
        try (Connection primary = harness.connect(leader); Statement s = primary.createStatement();
                ResultSet rows = s.executeQuery("SELECT application_name, state FROM pg_stat_replication ORDER BY 1")) {
            Set<String> streaming = new HashSet<>();
            while (rows.next()) if (rows.getString(2).equals("streaming")) streaming.add(rows.getString(1));
            Set<String> replicas = new HashSet<>(harness.machineIds());
            replicas.remove(leader);
            assertEquals(replicas, streaming, "every replica streams under its machine ID");
        }
        for (String id : harness.machineIds()) {
            try (Connection c = harness.connect(id); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT pg_is_in_recovery(), current_setting('data_checksums')")) {
                r.next();
                assertEquals(!id.equals(leader), r.getBoolean(1), id + " in recovery");
                assertEquals("on", r.getString(2), "data checksums on " + id);
            }
        }
    }

    /**
     * A busy PostgreSQL must not starve its sidecar of the CPU (a lease not confirmed in time fences a healthy primary):
     * the server runs in a session of its own, and the sidecar's session outranks it; the server's niceness does the same
     * where sessions do not count (a container's CPU cgroup).
     */
    @Test
    @Order(1)
    void eachSidecarOutranksItsPostgresForTheCpu() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (raising a session's CPU share needs CAP_SYS_NICE)");
        Prerequisites.require(Files.exists(Path.of("/proc/self/autogroup"))
                && !Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled")).strip().equals("0"),
                "a kernel that shares the CPU between sessions (autogroups)");
        for (String id : harness.machineIds()) {
            long sidecar = harness.cluster.sidecarPid(id).orElseThrow();
            long postmaster = Long.parseLong(Files.readAllLines(harness.cluster.memberData(id).resolve("postmaster.pid")).get(0).strip());
            String[] sidecarGroup = autogroup(sidecar);
            String[] postgresGroup = autogroup(postmaster);
            assertNotEquals(sidecarGroup[0], postgresGroup[0], id + ": PostgreSQL shares the sidecar's session");
            assertEquals("-5", sidecarGroup[2], id + "'s sidecar: " + String.join(" ", sidecarGroup));
            assertEquals("0", postgresGroup[2], id + "'s PostgreSQL: " + String.join(" ", postgresGroup));
            assertEquals(5, Integer.parseInt(ProcStat.field(postmaster, ProcStat.NICE)), id + "'s postmaster's niceness");
        }
    }

    /**
     * The threads a lease's confirmation passes through run at real-time priority, so that a CPU-bound load cannot delay
     * it past its deadline (bench router fenced healthy primaries before): the store's server and the proxies in the
     * platform, each sidecar's store client, lease timers, watchdog and VM thread, the primary's watchdog guard. Nothing
     * that serves clients does: no PostgreSQL process, no router relay, no sidecar's control loop.
     */
    @Test
    @Order(1)
    void theLeasesPathRunsAtRealTimePriorityAndPostgresNever() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (real-time priority needs CAP_SYS_NICE)");
        long platform = Long.parseLong(Files.readString(LocalLayout.of(harness.cluster.dir()).platformPid()).strip());
        Set<String> platformRaised = ProcStat.threadsWithPolicy(platform, "2");
        assertTrue(platformRaised.containsAll(Set.of("VM Thread", "SyncThread:0", "ProcessThread(s", "NIOServerCxnFac"))
                && platformRaised.stream().anyMatch(name -> name.startsWith("proxy-up-")), "platform: " + platformRaised);
        String leader = harness.leader();
        // a connection through a replica's router, so that its relay threads exist
        String replica = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        var opened = new java.util.concurrent.atomic.AtomicReference<Connection>();
        Await.untilAnswered(Duration.ofSeconds(30), "a connection through " + replica + "'s router", () -> {
            try {
                opened.set(harness.connectThroughRouter(replica));
                return true;
            } catch (SQLException | java.io.IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
        try (Connection routed = opened.get(); Statement statement = routed.createStatement()) {
            statement.execute("SELECT 1");
            for (String id : harness.machineIds()) {
                long sidecar = harness.cluster.sidecarPid(id).orElseThrow();
                Set<String> raised = ProcStat.threadsWithPolicy(sidecar, "2");
                assertTrue(raised.containsAll(Set.of("VM Thread", "main-SendThread", "main-EventThrea", "watchdog"))
                        && raised.stream().anyMatch(name -> name.startsWith("lease-")), id + "'s sidecar: " + raised);
                Set<String> ordinary = ProcStat.threadsWithPolicy(sidecar, "0");
                assertTrue(ordinary.contains("control-loop"), id + "'s sidecar: " + ordinary);
                assertFalse(raised.stream().anyMatch(name -> name.startsWith("routed") || name.startsWith("primary-rout")),
                        id + "'s router relays: " + raised);
                long postmaster = Long.parseLong(Files.readAllLines(harness.cluster.memberData(id).resolve("postmaster.pid")).get(0).strip());
                List<Long> servers = new ArrayList<>(ProcessHandle.of(postmaster).orElseThrow().children().map(ProcessHandle::pid).toList());
                servers.add(postmaster);
                for (long server : servers) {
                    try {
                        assertEquals("0", ProcStat.field(server, ProcStat.POLICY), id + "'s PostgreSQL process " + server);
                    } catch (java.nio.file.NoSuchFileException ended) {
                        // a backend or worker that ended meanwhile
                    }
                }
            }
            assertTrue(ProcStat.threadsWithPolicy(harness.cluster.sidecarPid(replica).orElseThrow(), "0").contains("routed-connecti"),
                    "the replica's router relays its connection on ordinary threads");
        }
        // the guard: bash -c SCRIPT watchdog DEADLINE PID
        ProcessHandle leaderSidecar = ProcessHandle.of(harness.cluster.sidecarPid(leader).orElseThrow()).orElseThrow();
        Await.until(Duration.ofSeconds(30), "the primary's watchdog guard", () -> watchdogGuard(leaderSidecar).isPresent());
        assertEquals("2", ProcStat.field(watchdogGuard(leaderSidecar).orElseThrow(), ProcStat.POLICY), "the primary's watchdog guard");
    }

    /** {@code ha.realtime_priority: false} keeps every thread of the sidecar at ordinary priority. Last: it restarts a member. */
    @Test
    @Order(7)
    void anOperatorCanKeepTheSidecarAtOrdinaryPriority() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (real-time priority needs CAP_SYS_NICE)");
        harness.awaitHealthy(Duration.ofSeconds(60));
        String replica = harness.machineIds().stream().filter(id -> !id.equals(harness.leader())).findFirst().orElseThrow();
        Path config = LocalLayout.of(harness.cluster.dir()).memberConfig(replica);
        String original = Files.readString(config);
        assertFalse(original.contains("\nha:"), "the test adds the ha section itself: " + original);
        Throwable failure = null;
        try {
            Files.writeString(config, original + "ha:\n  realtime_priority: false\n");
            harness.cluster.stop(replica);
            harness.cluster.start(replica);
            Await.untilAnswered(Duration.ofSeconds(60), replica + "'s sidecar with its store client and lease threads", () -> {
                try {
                    Set<String> threads = ProcStat.threadsWithPolicy(harness.cluster.sidecarPid(replica).orElseThrow(), "0");
                    return threads.contains("main-SendThread") && threads.stream().anyMatch(name -> name.startsWith("lease-"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertEquals(Set.of(), ProcStat.threadsWithPolicy(harness.cluster.sidecarPid(replica).orElseThrow(), "2"),
                    "raised threads with ha.realtime_priority: false");
        } catch (Exception | AssertionError e) {
            failure = e;
            throw e;
        } finally {
            try {
                Files.writeString(config, original);
                harness.cluster.stop(replica);
                harness.cluster.start(replica);
                harness.awaitHealthy(Duration.ofSeconds(60));
            } catch (Exception | AssertionError restoring) {
                if (failure == null) throw restoring;
                failure.addSuppressed(restoring);
            }
        }
    }

    private static java.util.Optional<Long> watchdogGuard(ProcessHandle sidecar) {
        return sidecar.children().map(ProcessHandle::pid)
                .filter(pid -> LocalProcesses.commandLine(pid).startsWith("bash -c ") && LocalProcesses.commandLine(pid).contains(" watchdog "))
                .findFirst();
    }

    /** {@code /proc/PID/autogroup}: the group's name, "nice", its niceness. */
    private static String[] autogroup(long pid) throws java.io.IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "autogroup")).strip().split("\\s+");
    }

    @Test
    @Order(2)
    void aCrashedPrimaryIsReplacedAndRejoinsAsAReplica() throws Exception {
        String oldLeader = harness.leader();
        try (SequenceWriter writer = harness.writer("crash_writes", WRITE_INTERVAL)) {
            LocalClusterHarness.awaitWrites(writer, 50);
            ServerSharedMemory held = harness.cluster.sharedMemory(oldLeader).orElseThrow();
            assertTrue(held.systemV().isPresent() && !held.dynamic().isEmpty(), "a running server holds both kinds: " + held);
            ServerSharedMemory neighbour = harness.cluster.sharedMemory(otherThan(oldLeader, oldLeader)).orElseThrow();
            Instant killedAt = Instant.now();
            harness.cluster.kill(oldLeader);
            // gone with the machine, as in a power loss: nothing would remove them were the member never started again
            assertEquals(List.of(), held.stillOnMachine(), "removed");
            // and only its: another member's server, on the same machine, keeps its own, every file and its System V segment
            assertTrue(neighbour.systemV().isPresent());
            assertEquals(neighbour.dynamic().size() + 1, neighbour.stillOnMachine().size(), "a live server's kept: " + neighbour.stillOnMachine());

            Await.until(FAILOVER_BOUND, "another member accepts writes",
                    () -> writer.lastAcknowledged().isAfter(killedAt.plusMillis(1)) && !leaderIs(oldLeader));
            Duration gap = writer.longestGapSince(killedAt.minusSeconds(1));
            String newLeader = harness.leader();
            assertNotEquals(oldLeader, newLeader);
            assertTrue(gap.compareTo(FAILOVER_BOUND) <= 0, "write gap " + gap.toMillis() + " ms");
            // The counter moves once the promotion call returns, and the role with the next pass's observation: both
            // can be a moment after the first write lands.
            Await.until(Duration.ofSeconds(10), "the new leader counted its promotion and reports itself primary", () -> {
                PrometheusText now = harness.metrics(newLeader);
                return now.value("pgmanager_failovers_total") == 1 && now.value("pgmanager_role", "role", "primary") == 1;
            });
            PrometheusText promoted = harness.metrics(newLeader);
            assertEquals(1, promoted.value("pgmanager_failovers_total"), "the new leader counted its promotion once");
            assertEquals(1, promoted.value("pgmanager_role", "role", "primary"));
            String survivor = otherThan(oldLeader, newLeader);
            Await.until(Duration.ofSeconds(30), "the surviving replica streams from the new leader",
                    () -> streamsOnLeaderTimeline(survivor));

            harness.cluster.start(oldLeader);
            LocalStatus healed = harness.awaitHealthy(REJOIN_BOUND);
            assertEquals(newLeader, healed.leader(), "the old primary came back as a replica");
            LocalClusterHarness.awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            long lastSeq = lastSequence(newLeader, "crash_writes");
            Await.until(Duration.ofSeconds(30), "the rejoined member received rows written after the promotion",
                    () -> lastSequence(oldLeader, "crash_writes") >= lastSeq);

            List<Long> lost;
            try (Connection primary = harness.connect(newLeader)) {
                lost = writer.lostWrites(primary);
            }
            // Asynchronous replication may lose what was in flight when the primary died: only writes acknowledged
            // in the last second before the crash (a replica is at most a loop pass behind, well under that).
            for (long seq : lost) {
                assertTrue(writer.acknowledgedAt(seq).isAfter(killedAt.minusSeconds(1)),
                        "write " + seq + " acknowledged at " + writer.acknowledgedAt(seq) + " was lost; killed at " + killedAt);
            }
            System.out.printf("crash failover: write gap %d ms, %d acknowledged writes lost%n", gap.toMillis(), lost.size());
        }
    }

    @Test
    @Order(3)
    void aSwitchoverMovesLeadershipToTheNamedMemberWithoutLosingWrites() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String oldLeader = harness.leader();
        String target = harness.machineIds().stream().filter(id -> !id.equals(oldLeader)).findFirst().orElseThrow();
        try (SequenceWriter writer = harness.writer("switchover_writes", WRITE_INTERVAL)) {
            LocalClusterHarness.awaitWrites(writer, 50);
            Instant requestedAt = Instant.now();
            int status = postToApi(oldLeader, "/switchover", "{\"to\":\"" + target + "\"}");
            assertEquals(202, status, "switchover accepted");
            Await.until(FAILOVER_BOUND, target + " leads and accepts writes",
                    () -> leaderIs(target) && writer.lastAcknowledged().isAfter(requestedAt));
            Await.until(Duration.ofSeconds(10), target + " counts the switchover",
                    () -> harness.metrics(target).value("pgmanager_switchovers_total") == 1);
            LocalStatus healed = harness.awaitHealthy(REJOIN_BOUND);
            assertEquals(target, healed.leader());
            LocalClusterHarness.awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            Duration gap = writer.longestGapSince(requestedAt);
            assertTrue(gap.compareTo(FAILOVER_BOUND) <= 0, "write gap " + gap.toMillis() + " ms");
            try (Connection primary = harness.connect(target)) {
                assertEquals(List.of(), writer.lostWrites(primary), "a switchover loses no acknowledged write");
            }
            assertEquals("replica", harness.member(oldLeader).role());
            System.out.printf("switchover: write gap %d ms, 0 acknowledged writes lost%n", gap.toMillis());
        }
        // The old leader kept its members' slots through the demotion; as a replica nobody streams through them, and
        // a standby keeps every WAL segment since an idle slot's position: they must go, the new leader's stay.
        List<String> others = harness.machineIds().stream().filter(id -> !id.equals(target)).sorted().toList();
        Await.until(REJOIN_BOUND, oldLeader + ", now a replica, holds no slot", () -> slots(oldLeader).isEmpty());
        assertEquals(others, slots(target), "the new leader keeps a slot for each other member");
    }

    private static List<String> slots(String machineId) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT slot_name FROM pg_replication_slots ORDER BY slot_name")) {
            List<String> names = new ArrayList<>();
            while (r.next()) names.add(r.getString(1));
            return names;
        } catch (SQLException e) {
            throw new AssertionError("cannot list " + machineId + "'s slots", e);
        }
    }

    @Test
    @Order(4)
    void aPrimaryCutOffFromTheStoreStopsWritingBeforeAnyoneElseIsPromoted() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String oldLeader = harness.leader();
        assertOneWriterAtATime(oldLeader, () -> harness.cluster.isolate(oldLeader), () -> harness.cluster.heal(oldLeader));
    }

    @Test
    @Order(5)
    void aPrimaryWhoseSidecarFreezesStopsWritingBeforeAnyoneElseIsPromoted() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String oldLeader = harness.leader();
        long sidecar = harness.cluster.sidecarPid(oldLeader).orElseThrow();
        // SIGSTOP: the sidecar can neither confirm its lease nor fence; only its watchdog can stop PostgreSQL.
        assertOneWriterAtATime(oldLeader, () -> LocalClusterHarness.signal("-STOP", sidecar), () -> LocalClusterHarness.signal("-CONT", sidecar));
    }

    @Test
    @Order(6)
    void aPausedClustersLeaderStartsAgainThePrimaryItsOwnFencingStopped() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String leader = harness.leader();
        String dir = harness.cluster.dir().toString();
        long before = harness.postmasterPid(leader);
        List<String> replicas = harness.machineIds().stream().filter(id -> !id.equals(leader)).toList();
        List<Long> replicaPostmasters = replicas.stream().map(harness::postmasterPid).toList();
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE paused_fence (n int PRIMARY KEY)");
            s.execute("INSERT INTO paused_fence VALUES (1)");
        }
        assertEquals(0, CommandRun.of("pause", "--dir", dir).exit());
        try {
            // Cut off long enough that the store expires its session: the lease is lost, not only in doubt.
            harness.cluster.isolate(leader);
            Await.until(FAILOVER_BOUND, leader + " fenced its primary and the store names no leader",
                    () -> !harness.cluster.postgresRunning(leader) && harness.status().leader() == null);
            assertEquals(0, harness.status().members().stream().filter(m -> m.role().equals("primary")).count(),
                    "paused, nobody is promoted: " + harness.status().summary());
            harness.cluster.heal(leader);

            Await.untilAnswered(REJOIN_BOUND, leader + " leads again and its primary takes writes, the cluster still paused",
                    () -> leader.equals(harness.status().leader()) && insertedSecondRow(leader));
            assertNotEquals(before, harness.postmasterPid(leader), "a new postmaster");
            assertEquals(2, rows(leader), "every row kept");
            // The members' records follow within a pass.
            Await.until(REJOIN_BOUND, "exactly one primary, " + leader, () -> {
                LocalStatus status = harness.status();
                List<String> primaries = status.members().stream().filter(m -> m.role().equals("primary")).map(MemberStatus::machineId).toList();
                return primaries.equals(List.of(leader));
            });
            try (var store = harness.store()) {
                assertTrue(store.read().spec().value().paused(), "the cluster is still paused");
            }
            assertEquals(replicaPostmasters, replicas.stream().map(harness::postmasterPid).toList(),
                    "paused, the replicas' servers were left as they ran");
        } finally {
            harness.cluster.heal(leader);
            assertEquals(0, CommandRun.of("resume", "--dir", dir).exit());
        }
        harness.awaitHealthy(REJOIN_BOUND);
    }

    private static boolean insertedSecondRow(String machineId) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement()) {
            // asked again after an error, an insert that committed anyway must not count twice
            s.execute("INSERT INTO paused_fence VALUES (2) ON CONFLICT DO NOTHING");
            return true;
        } catch (SQLException notYet) {
            return false;
        }
    }

    private static long rows(String machineId) throws SQLException {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM paused_fence")) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    @Order(6)
    void anOperatorCanRestartAndReCloneAReplicaThroughItsApi() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String leader = harness.leader();
        String replica = otherThan(leader, leader);
        long postmasterBefore = harness.postmasterPid(replica);
        assertEquals(202, postToApi(replica, "/restart", ""), "restart accepted");
        Await.until(Duration.ofSeconds(60), "the replica restarted and streams again",
                () -> harness.postmasterPid(replica) != postmasterBefore && streamsOnLeaderTimeline(replica));

        try (Connection primary = harness.connect(leader); Statement s = primary.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS reinit_marker (note text)");
            s.execute("INSERT INTO reinit_marker VALUES ('before reinit')");
        }
        assertEquals(202, postToApi(replica, "/reinit", ""), "reinit accepted");
        Path memberDir = harness.cluster.dir().resolve("members").resolve(replica);
        Await.until(REJOIN_BOUND, "the old data is kept aside and the re-cloned replica streams", () -> {
            try (var entries = Files.list(memberDir)) {
                return entries.anyMatch(p -> p.getFileName().toString().startsWith("data.aside-")) && streamsOnLeaderTimeline(replica);
            } catch (java.io.IOException e) {
                return false;
            }
        });
        // Its record may still say "streaming" from before the re-clone: ask the re-cloned server itself.
        Await.until(REJOIN_BOUND, "the re-cloned replica serves the leader's data", () -> markerRows(replica) == 1);
        harness.awaitHealthy(REJOIN_BOUND);
        assertEquals(leader, harness.leader(), "re-cloning a replica moves no leadership");
    }

    private static int markerRows(String machineId) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM reinit_marker")) {
            r.next();
            return r.getInt(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /**
     * Writers on every member from before the fault until well after it has healed, as split brain tends to happen at
     * the heal: {@code cutOff} the leader, another member must take over; {@code heal}, and the old leader must rejoin
     * as a replica. Over the whole episode, the accepted writes must form one run per member, the old leader's then the
     * new one's, and the first run's last write must be acknowledged before the second run's first one began on its
     * server: at no moment did two members accept writes.
     */
    private static void assertOneWriterAtATime(String oldLeader, Step cutOff, Step heal) throws Exception {
        try (Connection c = harness.connect(oldLeader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS fencing_probe (member text, at timestamptz DEFAULT clock_timestamp())");
        }
        Await.until(Duration.ofSeconds(10), "the probe table reached every replica", () -> harness.machineIds().stream()
                .allMatch(id -> tableExists(id, "fencing_probe")));
        List<MemberWriter> writers = new ArrayList<>();
        String newLeader;
        try {
            for (String id : harness.machineIds()) writers.add(new MemberWriter(id));
            Await.until(Duration.ofSeconds(10), "the leader accepts probe writes", () -> accepted(writers, oldLeader) > 0);
            try {
                cutOff.run();
                Await.until(FAILOVER_BOUND.plusSeconds(5), "another member leads and accepts writes", () -> writers.stream()
                        .anyMatch(w -> !w.id.equals(oldLeader) && !w.accepted.isEmpty()));
                newLeader = writers.stream().filter(w -> !w.id.equals(oldLeader) && !w.accepted.isEmpty()).findFirst().orElseThrow().id;
                // Hold the fault while the new leader writes a while (about a second), so both sides live through it.
                int acceptedAtTakeover = accepted(writers, newLeader);
                Await.until(Duration.ofSeconds(20), "the new leader accepts 50 more writes during the fault",
                        () -> accepted(writers, newLeader) >= acceptedAtTakeover + 50);
            } finally {
                heal.run();
            }
            harness.awaitHealthy(REJOIN_BOUND);
            int acceptedWhenHealthy = accepted(writers, newLeader);
            Await.until(Duration.ofSeconds(20), "the leader accepts 50 more writes after the heal",
                    () -> accepted(writers, newLeader) >= acceptedWhenHealthy + 50);
        } finally {
            for (MemberWriter w : writers) w.stop();
        }

        List<AcceptedWrite> all = writers.stream().flatMap(w -> w.accepted.stream())
                .sorted(Comparator.comparing(AcceptedWrite::began)).toList();
        List<List<AcceptedWrite>> runs = new ArrayList<>();
        for (AcceptedWrite write : all) {
            if (runs.isEmpty() || !runs.getLast().getFirst().member().equals(write.member())) runs.add(new ArrayList<>());
            runs.getLast().add(write);
        }
        List<String> owners = runs.stream().map(run -> run.getFirst().member()).toList();
        assertEquals(List.of(oldLeader, newLeader), owners, "writes were accepted by, in order: " + owners);
        // Sorted by when they began, a write of the old leader's could still have been acknowledged after the new
        // leader's first began: the old run ends at its latest acknowledgement.
        Instant oldLastAcknowledged = runs.getFirst().stream().map(AcceptedWrite::acknowledged).max(Comparator.naturalOrder()).orElseThrow();
        Instant newFirstBegan = runs.getLast().getFirst().began();
        assertTrue(oldLastAcknowledged.isBefore(newFirstBegan), "two members accepted writes at once: the old leader acknowledged one at "
                + oldLastAcknowledged + ", after the new leader's first began at " + newFirstBegan);
        System.out.printf("one writer at a time over %d accepted writes: the old primary's last acknowledged at %s, the new one's "
                + "first began at %s%n", all.size(), oldLastAcknowledged, newFirstBegan);
        assertEquals(newLeader, harness.leader());
        assertFalse(leaderIs(oldLeader));
    }

    private static int accepted(List<MemberWriter> writers, String member) {
        return writers.stream().filter(w -> w.id.equals(member)).mapToInt(w -> w.accepted.size()).sum();
    }

    /**
     * A write a member accepted: when it began, by the member's own clock ({@code clock_timestamp()} in the INSERT; every
     * member shares this machine's clock), and when its commit was acknowledged to the writer.
     */
    private record AcceptedWrite(String member, Instant began, Instant acknowledged) {}

    /** Writes to one member directly, every 20 ms, remembering each write the member accepted. */
    private static final class MemberWriter {
        final String id;
        final List<AcceptedWrite> accepted = new CopyOnWriteArrayList<>();
        private volatile boolean running = true;
        private final Thread thread;

        MemberWriter(String id) {
            this.id = id;
            this.thread = Thread.ofPlatform().daemon().start(this::run);
        }

        private void run() {
            Connection c = null;
            while (running) {
                try {
                    if (c == null) c = harness.connect(id);
                    try (PreparedStatement s = c.prepareStatement("INSERT INTO fencing_probe (member) VALUES (?) RETURNING at")) {
                        s.setQueryTimeout(5);
                        s.setString(1, id);
                        try (ResultSet r = s.executeQuery()) {
                            r.next();
                            Instant began = r.getObject(1, OffsetDateTime.class).toInstant();
                            accepted.add(new AcceptedWrite(id, began, Instant.now()));
                        }
                    }
                } catch (SQLException e) {
                    try {
                        if (c != null) c.close();
                    } catch (SQLException ignored) {
                        // broken anyway
                    }
                    c = null;
                }
                sleepQuietly(20);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(Duration.ofSeconds(10));
        }
    }

    private static boolean leaderIs(String machineId) {
        return machineId.equals(harness.status().leader());
    }

    private static String otherThan(String a, String b) {
        return harness.machineIds().stream().filter(id -> !id.equals(a) && !id.equals(b)).findFirst().orElseThrow();
    }

    private static boolean streamsOnLeaderTimeline(String machineId) {
        LocalStatus status = harness.status();
        MemberStatus leader = status.members().stream().filter(m -> m.machineId().equals(status.leader())).findFirst().orElseThrow();
        MemberStatus member = status.members().stream().filter(m -> m.machineId().equals(machineId)).findFirst().orElseThrow();
        return member.state().equals(MemberState.STREAMING.word()) && member.timeline() == leader.timeline();
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

    private static boolean tableExists(String machineId, String table) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            r.next();
            return r.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private static int postToApi(String machineId, String path, String body) throws Exception {
        return harness.postToApi(machineId, path, body, harness.file.apiToken());
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
