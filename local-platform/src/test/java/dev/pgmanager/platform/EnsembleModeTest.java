package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.cli.Main;
import dev.pgmanager.config.StoreConfig.StoreMode;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.bench.RollingMigration;
import dev.pgmanager.platform.bench.RollingMigration.Step;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.testing.ProcStat;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * Store mode ensemble on one real three-member local cluster: ZooKeeper peers inside the members' sidecars, named by
 * machine-ID DNS names and found through the local DNS server. In order: the peers serve; any one machine may crash
 * (the ZooKeeper leader's, the PostgreSQL primary's) and the cluster stays writable; every member migrates in turn,
 * the ZooKeeper leader's machine first, and the ensemble regains all three peers at their new addresses; a destroyed
 * peer is replaced by a new machine with {@code store replace-peer}, after a refused replacement of a healthy one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnsembleModeTest {
    private static final Duration HEALTHY_BOUND = Duration.ofSeconds(120);
    /** A crash: the session (lease) expires, then a few passes and a promotion; slack for a loaded machine. */
    private static final Duration FAILOVER_BOUND =
            LocalClusterHarness.SESSION_TIMEOUT.multipliedBy(2).plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(5)).plusSeconds(15);
    private static final Duration SWITCHOVER_BOUND =
            LocalClusterHarness.SESSION_TIMEOUT.plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(3)).plusSeconds(10);
    /**
     * A restarted or moved peer is back in sync within: the JVM's start (~5 s), ZooKeeper's election (initLimit is 5 s)
     * and its sync, with slack for a loaded machine.
     */
    private static final Duration QUORUM_BOUND = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalClusterHarness harness;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3, StoreMode.ENSEMBLE);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    @Order(1)
    void theMembersServeTheStoreAsAnEnsembleOfPeersNamedByMachineId() throws Exception {
        harness.awaitHealthy(HEALTHY_BOUND);
        JsonNode ensemble = awaitAllPeersInSync(harness.machineIds());
        assertTrue(ensemble.path("quorate").asBoolean());
        for (JsonNode peer : ensemble.path("peers")) {
            String id = peer.path("machine_id").asText();
            assertEquals(id + ".vm.local.internal", peer.path("name").asText());
            assertEquals(harness.currentFile().member(id).orElseThrow().address(), peer.path("address").asText());
        }
        for (String id : harness.machineIds()) {
            String peers = Files.readString(harness.memberDir(id).resolve("zookeeper/peers.cfg"));
            for (LocalMember m : harness.currentFile().members()) {
                assertTrue(peers.contains(m.machineId() + ".vm.local.internal:"), peers);
                assertFalse(peers.contains(m.address()), "no address in the peer list: " + peers);
            }
        }
        // Every member's /cluster reports the ensemble, its leader among the peers.
        String leader = harness.leader();
        JsonNode cluster = JSON.readTree(get(leader, "/cluster").body());
        assertTrue(harness.machineIds().contains(cluster.path("ensemble").path("leader").asText()), cluster.toString());
        assertEquals(3, cluster.path("ensemble").path("peers").size());

        // So does the doctor: the quorum, and each peer by machine ID at its address now.
        List<JsonNode> findings = ensembleFindings();
        assertTrue(findings.stream().anyMatch(f -> f.path("severity").asText().equals("ok")
                && f.path("message").asText().contains("has a quorum")), findings.toString());
        for (LocalMember m : harness.currentFile().members()) {
            assertTrue(findings.stream().anyMatch(f -> f.path("subject").asText().equals(m.machineId())
                    && f.path("severity").asText().equals("ok") && f.path("message").asText().contains(m.address())),
                    m.machineId() + " serves as a peer at " + m.address() + ": " + findings);
        }

        // Each peer's request pipeline, started by its election, runs at real-time priority as the rest of the lease's
        // path does (it needs CAP_SYS_NICE: root, as in CI); nothing of the JVM's common pool does.
        if (Prerequisites.root() || Prerequisites.inCi()) {
            for (String id : harness.machineIds()) {
                Set<String> raised = ProcStat.threadsWithPolicy(harness.cluster.sidecarPid(id).orElseThrow(), "2");
                assertTrue(raised.contains("CommitProcessor") && raised.stream().anyMatch(name -> name.startsWith("SyncThread:"))
                        && raised.contains("main-SendThread"), id + "'s raised threads: " + raised);
                // the peers look each other up by name through pgmanager's DNS client, whose threads stay ordinary
                assertFalse(raised.stream().anyMatch(name -> name.startsWith("ForkJoinPool") || name.startsWith("dnsjava")
                        || name.startsWith("dns-reply") || name.startsWith("ordinary-prior")), id + "'s raised threads: " + raised);
            }
        }
    }

    /**
     * After elections, migrations and a replaced peer (the peers looked each other up by name again and again through
     * pgmanager's DNS client), real-time priority has reached nothing outside the lease's path: not the DNS client's
     * threads, not the virtual threads' carriers or pollers, not the router, the API or the control loop, and no
     * PostgreSQL process (a process started from a real-time carrier would be one).
     */
    @Test
    @Order(5)
    void realTimePriorityReachedNothingButTheLeasesPath() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (real-time priority needs CAP_SYS_NICE)");
        List<String> ordinary = List.of("ForkJoinPool", "dnsjava", "dns-reply", "VirtualThread", "MasterPoller", "Read-Poller",
                "Write-Poller", "routed", "primary-router", "control-loop", "qtp", "Curator", "ordinary-prior", "postgres-launch");
        harness.awaitHealthy(HEALTHY_BOUND);
        List<String> members = harness.currentFile().members().stream().map(LocalMember::machineId).toList();
        for (String id : members) {
            long sidecar = harness.cluster.sidecarPid(id).orElseThrow(() -> new AssertionError(id + " runs no sidecar"));
            Set<String> raised = ProcStat.threadsWithPolicy(sidecar, "2");
            assertTrue(raised.contains("VM Thread"), id + ": " + raised);
            assertFalse(raised.stream().anyMatch(name -> ordinary.stream().anyMatch(name::startsWith)), id + "'s raised threads: " + raised);
            for (ProcessHandle child : ProcessHandle.of(sidecar).orElseThrow().descendants().toList()) {
                try {
                    String policy = ProcStat.field(child.pid(), ProcStat.POLICY);
                    boolean guard = LocalProcesses.commandLine(child.pid()).contains(" watchdog ");
                    assertEquals(guard ? "2" : "0", policy, id + "'s child process " + LocalProcesses.commandLine(child.pid()));
                } catch (java.nio.file.NoSuchFileException ended) {
                    // a process that ended meanwhile
                }
            }
        }
    }

    /** The doctor's findings of its ensemble check. */
    private static List<JsonNode> ensembleFindings() throws IOException {
        CommandRun doctor = CommandRun.of("doctor", "-o", "json", "--dir", harness.cluster.dir().toString());
        List<JsonNode> findings = new java.util.ArrayList<>();
        JSON.readTree(doctor.out()).path("findings").forEach(f -> {
            if (f.path("check").asText().equals("ensemble")) findings.add(f);
        });
        return findings;
    }

    @Test
    @Order(2)
    void theClusterStaysWritableWhenTheZooKeeperLeadersOrThePrimarysMachineCrashes() throws Exception {
        harness.awaitHealthy(HEALTHY_BOUND);
        Set<String> victims = new LinkedHashSet<>(List.of(zooKeeperLeader(), harness.leader()));
        int round = 0;
        for (String victim : victims) {
            harness.awaitHealthy(HEALTHY_BOUND);
            awaitAllPeersInSync(harness.machineIds());
            try (SequenceWriter writer = writer("crash_" + round++)) {
                LocalClusterHarness.awaitWrites(writer, 30);
                boolean primaryCrashes = victim.equals(harness.leader());
                Instant crash = Instant.now();
                harness.cluster.kill(victim);
                int before = writer.acknowledgedCount();
                Await.until(FAILOVER_BOUND, "writes acknowledged again after " + victim + " crashed (last error: "
                        + writer.lastError() + ")", () -> writer.acknowledgedCount() >= before + 25);
                JsonNode ensemble = storeStatus();
                assertTrue(ensemble.path("quorate").asBoolean(), "two peers keep the quorum: " + ensemble);
                System.out.printf("crash of %s: writes again after %d ms%n", victim, Duration.between(crash, Instant.now()).toMillis());
                harness.cluster.start(victim);
                harness.awaitHealthy(HEALTHY_BOUND);
                LocalClusterHarness.awaitWrites(writer, writer.acknowledgedCount() + 10);
                writer.close();
                List<Long> lost;
                try (Connection primary = harness.connect(harness.leader())) {
                    lost = writer.lostWrites(primary);
                }
                if (!primaryCrashes) {
                    assertEquals(List.of(), lost, "acknowledged writes lost when a replica's machine crashed");
                }
                // Asynchronous replication (this cluster's mode) may lose what was in flight when the primary died:
                // only writes acknowledged in the last second before the crash (a replica streams well within that).
                for (long seq : lost) {
                    assertTrue(writer.acknowledgedAt(seq).isAfter(crash.minusSeconds(1)),
                            "write " + seq + " acknowledged at " + writer.acknowledgedAt(seq) + " was lost; crashed at " + crash);
                }
            }
            awaitAllPeersInSync(harness.machineIds());
        }
    }

    @Test
    @Order(3)
    void everyMemberMigratesInTurnTheZooKeeperLeadersFirstAndTheEnsembleFollowsTheirNewAddresses() throws Exception {
        harness.awaitHealthy(HEALTHY_BOUND);
        awaitAllPeersInSync(harness.machineIds());
        List<String> order = new ArrayList<>(List.of(zooKeeperLeader()));
        harness.machineIds().stream().filter(id -> !order.contains(id)).forEach(order::add);
        RollingMigration migration = new RollingMigration(harness.cluster, System.err);
        for (String id : order) {
            Step step = migration.migrate(id, "migrate_" + id);
            Instant migrated = Instant.now();
            System.out.printf("migration of %s: %s -> %s, write gap %d ms, %d lost%n", id, step.oldAddress(), step.newAddress(),
                    step.gapMillis(), step.lostWrites());
            assertNotEquals(step.oldAddress(), step.newAddress());
            assertEquals(0, step.lostWrites(), step + ": acknowledged writes lost");
            assertTrue(step.gapMillis() <= SWITCHOVER_BOUND.toMillis(), step + ": write gap beyond the switchover bound");
            JsonNode ensemble = awaitAllPeersInSync(harness.machineIds());
            JsonNode moved = peer(ensemble, id);
            assertEquals(step.newAddress(), moved.path("address").asText(), "the peer's name resolves to its new address");
            System.out.printf("  all three peers in sync %d ms after the migration returned%n",
                    Duration.between(migrated, Instant.now()).toMillis());
        }
    }

    /** The System V shared memory segment of a member's running PostgreSQL: the second number of postmaster.pid's 7th line. */
    private static long sysVSegmentOf(String machineId) throws IOException {
        List<String> lines = Files.readAllLines(harness.cluster.memberData(machineId).resolve("postmaster.pid"));
        return Long.parseLong(lines.get(6).strip().split("\\s+")[1]);
    }

    /** The machine's System V shared memory segments by ID (/proc/sysvipc/shm, second column). */
    private static Set<Long> sysVSegments() throws IOException {
        Set<Long> ids = new LinkedHashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/sysvipc/shm")).stream().skip(1).toList()) {
            ids.add(Long.parseLong(line.strip().split("\\s+")[1]));
        }
        return ids;
    }

    @Test
    @Order(4)
    void aDestroyedPeerIsReplacedByANewMachineAfterAReplacementThatWouldBreakTheQuorumIsRefused() throws Exception {
        harness.awaitHealthy(HEALTHY_BOUND);
        awaitAllPeersInSync(harness.machineIds());
        String primary = harness.leader();
        List<String> replicas = harness.machineIds().stream().filter(id -> !id.equals(primary)).toList();
        String destroyed = replicas.get(0);
        String healthy = replicas.get(1);
        long sharedMemory = sysVSegmentOf(destroyed);
        assertTrue(sysVSegments().contains(sharedMemory), "its PostgreSQL's shared memory segment " + sharedMemory + " exists");
        harness.cluster.destroy(destroyed);
        // With its data directory gone, nothing would ever remove a killed server's shared memory from this machine
        assertFalse(sysVSegments().contains(sharedMemory), "the destroyed member's PostgreSQL removed its shared memory");
        LocalMember added = harness.cluster.add(Duration.ofMinutes(3), System.err);
        Await.until(HEALTHY_BOUND, added.machineId() + " streams as a replica", () -> harness.receiverStreaming(added.machineId()));
        List<JsonNode> findings = ensembleFindings();
        assertTrue(findings.stream().anyMatch(f -> f.path("subject").asText().equals(destroyed)
                && f.path("severity").asText().equals("warning")
                && f.path("fix").asText().contains("store replace-peer " + destroyed)),
                "the doctor names the lost peer and the replacement: " + findings);

        CliRun refused = cli("store", "replace-peer", healthy, added.machineId(), "--dir", harness.cluster.dir().toString());
        assertEquals(1, refused.exit(), refused.output());
        assertTrue(refused.output().contains("would break the quorum"), refused.output());
        assertTrue(storeStatus().path("peers").toString().contains(destroyed), "nothing changed on a refusal");

        CliRun replaced = cli("store", "replace-peer", destroyed, added.machineId(), "--dir", harness.cluster.dir().toString());
        assertEquals(0, replaced.exit(), replaced.output());
        List<String> peers = List.of(primary, healthy, added.machineId());
        JsonNode ensemble = awaitAllPeersInSync(peers);
        assertEquals(3, ensemble.path("peers").size(), ensemble.toString());
        for (String id : peers) {
            Path peerList = harness.memberDir(id).resolve("zookeeper/peers.cfg");
            Await.until(Duration.ofSeconds(15), id + "'s peer list names the new peer and not the destroyed one", () -> {
                String text = readQuietly(peerList);
                return text.contains(added.machineId()) && !text.contains(destroyed);
            });
        }
        harness.awaitHealthy(HEALTHY_BOUND);
    }

    /** Waits until exactly {@code peers} are the ensemble's peers, all in sync, and returns the status. */
    private JsonNode awaitAllPeersInSync(List<String> peers) {
        JsonNode[] last = new JsonNode[1];
        try {
            awaitAllPeersInSync(peers, last);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last status: " + last[0], e);
        }
        return last[0];
    }

    private void awaitAllPeersInSync(List<String> peers, JsonNode[] last) {
        Await.until(QUORUM_BOUND, "peers " + peers + " all in sync", () -> {
            last[0] = storeStatus();
            List<String> inSync = StreamSupport.stream(last[0].path("peers").spliterator(), false)
                    .filter(p -> p.path("in_sync").asBoolean()).map(p -> p.path("machine_id").asText()).sorted().toList();
            return last[0].path("quorate").asBoolean() && inSync.equals(peers.stream().sorted().toList())
                    && last[0].path("peers").size() == peers.size();
        });
    }

    /** The writer's first connection may meet a primary that is busy on a loaded machine: setup, so tried again. */
    private static SequenceWriter writer(String table) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return harness.writer(table, Duration.ofMillis(20));
            } catch (java.sql.SQLException e) {
                if (attempt == 3) throw e;
                Thread.sleep(1000);
            }
        }
    }

    private String zooKeeperLeader() {
        JsonNode ensemble = awaitAllPeersInSync(harness.machineIds());
        return ensemble.path("leader").asText();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static JsonNode peer(JsonNode ensemble, String machineId) {
        return StreamSupport.stream(ensemble.path("peers").spliterator(), false)
                .filter(p -> p.path("machine_id").asText().equals(machineId)).findFirst().orElseThrow();
    }

    private JsonNode storeStatus() {
        CliRun run = cli("store", "status", "-o", "json", "--dir", harness.cluster.dir().toString());
        try {
            String out = run.output();
            return JSON.readTree(out.substring(out.indexOf('{')));
        } catch (Exception e) {
            return JSON.createObjectNode().put("error", run.output());
        }
    }

    private record CliRun(int exit, String output) {}

    private static CliRun cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int exit = cli.execute(args);
        return new CliRun(exit, out.toString());
    }

    private HttpResponse<String> get(String machineId, String path) throws Exception {
        LocalMember m = harness.currentFile().member(machineId).orElseThrow();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + new HostPort(m.address(), m.apiPort()) + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
