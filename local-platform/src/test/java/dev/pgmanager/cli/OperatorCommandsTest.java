package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.api.HttpApi;
import dev.pgmanager.api.OperatorCommands;
import dev.pgmanager.api.RewriterReport;
import dev.pgmanager.api.SidecarView;
import dev.pgmanager.config.StoreSecret;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.ha.Pass;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.platform.dns.LocalDnsServer;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.TempDirs;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator commands as an operator runs them, against a real ZooKeeper, a real DNS server and a real sidecar
 * API. Each test has a cluster of its own in the shared ZooKeeper: A leads, B replays 1 KiB behind it, C has no
 * DNS record and publishes no position.
 */
class OperatorCommandsTest {
    private static final String A = "aaaa0000000001";
    private static final String B = "bbbb0000000002";
    private static final String C = "cccc0000000003";
    private static final String NOT_A_MEMBER = "dddd0000000004";
    private static final long LEADER_POSITION = 0x3000060L;
    private static final String TOKEN = "operator-s3cret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private static Path zooKeeperData;
    private static EmbeddedZooKeeper zooKeeper;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Path> toDelete = new ArrayList<>();
    private String cluster;
    private LocalDnsServer dns;
    private ZooKeeperClusterStore sidecars;
    private Leader lease;

    @BeforeAll
    static void startZooKeeper() {
        zooKeeperData = TempDirs.create("operator-commands-zk");
        zooKeeper = EmbeddedZooKeeper.standalone(zooKeeperData, new InetSocketAddress("127.0.0.1", FreePorts.pick()));
    }

    @AfterAll
    static void stopZooKeeper() {
        if (zooKeeper != null) zooKeeper.close();
        TempDirs.delete(zooKeeperData);
    }

    @BeforeEach
    void startCluster() throws Exception {
        cluster = "cli-test-" + CLUSTERS.incrementAndGet();
        dns = closeLater(LocalDnsServer.start(new InetSocketAddress("127.0.0.1", 0), cluster));
        dns.put(A, InetAddress.ofLiteral("127.0.0.2"));
        dns.put(B, InetAddress.ofLiteral("127.0.0.3"));
        // The records and the lease live as long as this session, as a sidecar's do.
        sidecars = closeLater(ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(zooKeeper.connectString(), cluster)));
        publishMembers(0);
        lease = sidecars.tryAcquireLeadership(A).orElseThrow();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable resource : toClose.reversed()) resource.close();
        toDelete.forEach(TempDirs::delete);
    }

    // ---- list

    @Test
    void listShowsEveryMemberWithItsAddressNowItsLagAndTheLeader() {
        CommandRun run = run("list");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("cluster " + cluster + ": leader " + A + ", epoch " + lease.epoch()), run.out());
        assertEquals(List.of("LEADER", "MEMBER", "REGION", "ROLE", "STATE", "TIMELINE", "LAG_BYTES", "ADDRESS"), columns(run, "MEMBER"));
        // The leader's record carries no backup summary: the cluster has none, and its state says so.
        assertEquals(List.of("*", A, "ams", "primary", "running,", "no", "backups", "2", "0", "127.0.0.2"), columns(run, A));
        assertEquals(List.of(B, "ams", "replica", "streaming", "2", "1024", "127.0.0.3"), columns(run, B));
        assertEquals(List.of(C, "fra", "replica", "running", "-", "-", "-"), columns(run, C), "C has no DNS record and no position");
        assertFalse(run.out().contains("paused"), run.out());
        assertTrue(run.out().contains("no backups: no bucket is configured"), run.out());
    }

    @Test
    void listAsJsonNamesFieldsAsTheApiDoes() throws Exception {
        CommandRun run = run("list", "-o", "json");

        assertEquals(0, run.exit(), run.err());
        JsonNode json = JSON.readTree(run.out());
        assertEquals(cluster, json.path("cluster").asText());
        assertEquals(A, json.path("leader").asText());
        assertEquals(lease.epoch(), json.path("epoch").asLong());
        assertFalse(json.path("paused").asBoolean());
        JsonNode members = json.path("members");
        assertEquals(3, members.size());
        JsonNode b = members.get(1);
        assertEquals(B, b.path("machine_id").asText());
        assertEquals("ams", b.path("region").asText());
        assertEquals("replica", b.path("role").asText());
        assertEquals("streaming", b.path("state").asText());
        assertEquals(2, b.path("timeline").asLong());
        assertEquals(1024, b.path("lag_bytes").asLong());
        assertEquals("127.0.0.3", b.path("address").asText());
        assertEquals(5432, b.path("database_port").asInt());
        assertEquals(8008, b.path("api_port").asInt());
        JsonNode c = members.get(2);
        assertTrue(c.path("address").isNull(), c.toString());
        assertTrue(c.path("lag_bytes").isNull(), c.toString());
    }

    // ---- switchover and failover

    @Test
    void switchoverToAMemberFilesTheRequestInTheStore() {
        CommandRun run = run("switchover", "--to", B);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("switchover from " + A + " to " + B + " requested"), run.out());
        HandoverRequest request = sidecars.read().handover().orElseThrow();
        assertEquals(HandoverRequest.Kind.SWITCHOVER, request.kind());
        assertEquals(A, request.from());
        assertEquals(B, request.to());
        assertTrue(run("list").out().contains("pending switchover from " + A + " to " + B), "list shows the pending request");
    }

    @Test
    void switchoverToANonMemberIsRefused() {
        CommandRun run = run("switchover", "--to", NOT_A_MEMBER);

        assertEquals(1, run.exit());
        assertTrue(run.err().contains(NOT_A_MEMBER + " is not a member of the cluster"), run.err());
        assertTrue(sidecars.read().handover().isEmpty(), "nothing was filed");
    }

    @Test
    void switchoverWaitsForTheNewLeaderAndPrintsItsEpoch() {
        // Stand in for the sidecars: once the request lands, A steps down and B takes the lease.
        CompletableFuture<Leader> handover = CompletableFuture.supplyAsync(() -> {
            Await.until(Duration.ofSeconds(5), "the switchover request is filed", () -> sidecars.read().handover().isPresent());
            sidecars.releaseLeadership(lease);
            sidecars.clearHandover();
            return sidecars.tryAcquireLeadership(B).orElseThrow();
        });

        CommandRun run = run("switchover", "--to", B, "--wait=10s");

        Leader taken = handover.join();
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains(B + " leads now, epoch " + taken.epoch()), run.out());
        assertTrue(taken.epoch() > lease.epoch());
    }

    @Test
    void switchoverWaitGivesUpWhenLeadershipDoesNotMove() {
        CommandRun run = run("switchover", "--wait=300ms");

        assertEquals(1, run.exit());
        assertTrue(run.out().contains("switchover from " + A + " to the best replica requested"), run.out());
        assertTrue(run.err().contains("leadership did not move within 300ms: " + A + " leads (epoch " + lease.epoch()
                + "); the request is still pending"), run.err());
    }

    // ---- drain

    @Test
    void drainOfTheLeaderSwitchesOverToTheBestReplicaAndWaitsUntilAnotherLeads() {
        CompletableFuture<Leader> handover = CompletableFuture.supplyAsync(() -> {
            Await.until(Duration.ofSeconds(5), "the switchover request is filed", () -> sidecars.read().handover().isPresent());
            sidecars.releaseLeadership(lease);
            sidecars.clearHandover();
            return sidecars.tryAcquireLeadership(B).orElseThrow();
        });

        CommandRun run = run("drain");

        Leader taken = handover.join();
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("switchover from " + A + " to the best replica requested"), run.out());
        assertTrue(run.out().contains(A + " is drained: " + B + " leads now, epoch " + taken.epoch()), run.out());
    }

    @Test
    void drainOfAMemberThatDoesNotLeadHasNothingToDo() {
        CommandRun run = run("drain", B);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains(B + " does not lead: it holds nothing to drain (" + A + " leads)"), run.out());
        assertTrue(sidecars.read().handover().isEmpty(), "no request filed");
    }

    @Test
    void drainGivesUpWhenLeadershipDoesNotMoveAndRefusesNonMembers() {
        CommandRun stuck = run("drain", A, "--timeout=300ms");
        assertEquals(1, stuck.exit());
        assertTrue(stuck.err().contains("leadership did not move within 300ms"), stuck.err());

        CommandRun stranger = run("drain", NOT_A_MEMBER);
        assertEquals(1, stranger.exit());
        assertTrue(stranger.err().contains(NOT_A_MEMBER + " is not a member of the cluster"), stranger.err());
    }

    @Test
    void failoverNeedsAValidTarget() {
        CommandRun run = run("failover");

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--to"), run.err());
        CommandRun invalid = run("failover", "--to", "Not-An-Id");
        assertEquals(2, invalid.exit());
        assertTrue(invalid.err().contains("invalid machine ID 'Not-An-Id'"), invalid.err());
        assertTrue(sidecars.read().handover().isEmpty());
    }

    @Test
    void failoverWhileTheLeaderIsHealthyIsRefusedUnlessForcedAndThenSaysWhatIsLost() {
        CommandRun refused = run("failover", "--to", C);

        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("refusing the failover to " + C + ": " + A + " leads and is healthy: a failover would "
                + "not wait for " + C + " to catch up (how far it is behind " + A + " is not known). Use `pgmanager switchover "
                + "--to " + C + "`"), refused.err());
        assertTrue(sidecars.read().handover().isEmpty(), "nothing was filed");

        CommandRun forced = run("failover", "--to", C, "--force");

        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("failover to " + C + " requested; forced: writes " + C + " has not received are lost "
                + "(how far it is behind " + A + " is not known)"), forced.out());
        HandoverRequest request = sidecars.read().handover().orElseThrow();
        assertEquals(HandoverRequest.Kind.FAILOVER, request.kind());
        assertEquals(C, request.to());
    }

    @Test
    void failoverWithoutALeaderToALaggingMemberIsRefusedWithTheBytesItWouldLose() {
        long behind = 43L * 1024 * 1024;
        sidecars.touchMember(new Member(B, "ams", MemberRole.REPLICA, MemberState.RUNNING, 2, LEADER_POSITION - behind,
                LEADER_POSITION - behind, Member.Tags.NONE, 5432, 8008, Instant.now()));
        sidecars.releaseLeadership(lease);

        CommandRun refused = run("failover", "--to", B);

        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("refusing the failover to " + B + ": " + B + " is " + behind + " bytes (43.0 MB) behind "
                + A + ", as their records last said: a failover to it loses those writes on every member. Fail over to " + A
                + " instead, or add --force to accept the loss"), refused.err());
        assertTrue(sidecars.read().handover().isEmpty(), "nothing was filed");

        CommandRun forced = run("failover", "--to", B, "--force");

        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("forced: writes " + B + " has not received are lost (" + behind + " bytes (43.0 MB) behind "
                + A), forced.out());
        assertEquals(B, sidecars.read().handover().orElseThrow().to());
    }

    @Test
    void failoverToAMemberTheSynchronousRecordDoesNotNameIsRefusedUnlessForced() {
        sidecars.writeSyncState(lease, new SyncState(A, lease.epoch(), Set.of(C), 1));
        sidecars.releaseLeadership(lease);

        CommandRun refused = run("failover", "--to", B);

        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("refusing the failover to " + B + ": " + B + " is not one of the synchronous standbys [" + C
                + "] that hold every acknowledged write: a failover to it may lose acknowledged writes"), refused.err());
        CommandRun forced = run("failover", "--to", B, "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("forced: " + B + " is not one of the synchronous standbys"), forced.out());
    }

    @Test
    void failoverWithoutALeaderToTheMostAdvancedMemberNeedsNoForce() {
        sidecars.releaseLeadership(lease);

        CommandRun run = run("failover", "--to", B);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("failover to " + B + " requested"), run.out());
        assertFalse(run.out().contains("forced"), run.out());
        assertEquals(B, sidecars.read().handover().orElseThrow().to());
    }

    @Test
    void switchoverToAMemberTheLeaderWouldRefuseIsRefusedUpFrontWithTheReason() {
        CommandRun notStreaming = run("switchover", "--to", C);

        assertEquals(1, notStreaming.exit());
        assertTrue(notStreaming.err().contains("refusing the switchover to " + C + ": " + C + " is not a streaming replica "
                + "(replica, running)"), notStreaming.err());

        long behind = 20L * 1024 * 1024;
        sidecars.touchMember(new Member(B, "ams", MemberRole.REPLICA, MemberState.STREAMING, 2, LEADER_POSITION - behind,
                LEADER_POSITION - behind, Member.Tags.NONE, 5432, 8008, Instant.now()));
        CommandRun lagging = run("switchover", "--to", B);

        assertEquals(1, lagging.exit());
        assertTrue(lagging.err().contains("refusing the switchover to " + B + ": " + B + " lags " + behind + " bytes behind "
                + "(ha.maximum_lag_on_failover allows "), lagging.err());
        assertTrue(sidecars.read().handover().isEmpty(), "nothing was filed");
    }

    @Test
    void switchoverWaitEndsWithTheLeadersReasonWhenItCancelsTheRequest() {
        String why = B + " is not a synchronous standby (the synchronous set is [" + C + "]): wait until it is one, or choose one of them";
        // Stand in for the leader: it refuses the request, as its decider does for a target it finds ineligible.
        CompletableFuture<Void> refusal = CompletableFuture.runAsync(() -> {
            Await.until(Duration.ofSeconds(5), "the switchover request is filed", () -> sidecars.read().handover().isPresent());
            sidecars.clearHandover();
            sidecars.appendHistory(new HistoryEntry(Instant.now(), "handover-cancelled", A, lease.epoch(), 2, why));
        });

        CommandRun run = run("switchover", "--to", B, "--wait=20s");

        refusal.join();
        assertEquals(1, run.exit());
        assertTrue(run.err().contains(A + " cancelled the request: " + why), run.err());
        assertFalse(run.err().contains("did not move within"), "it ends as soon as the reason is known: " + run.err());
    }

    // ---- pause and resume

    @Test
    void pauseAndResumeFlipTheSpec() {
        CommandRun pause = run("pause");
        assertEquals(0, pause.exit(), pause.err());
        assertTrue(sidecars.read().spec().value().paused());
        assertTrue(run("list").out().contains("paused: the sidecars observe and report, and change nothing"));

        CommandRun again = run("pause");
        assertEquals(0, again.exit());
        assertTrue(again.out().contains("already paused"), again.out());

        CommandRun resume = run("resume");
        assertEquals(0, resume.exit(), resume.err());
        assertTrue(resume.out().contains("resumed"), resume.out());
        assertFalse(sidecars.read().spec().value().paused());
    }

    // ---- history

    @Test
    void historyPrintsTheStoresEventsOldestFirst() throws Exception {
        sidecars.appendHistory(new HistoryEntry(Instant.parse("2026-11-29T10:00:00Z"), "bootstrap", A, 1, 1, "initialized the cluster"));
        sidecars.appendHistory(new HistoryEntry(Instant.parse("2026-11-29T11:00:00Z"), "failover", B, 2, 2, "promoted after A vanished"));

        CommandRun table = run("history");
        assertEquals(0, table.exit(), table.err());
        assertEquals(List.of("2026-11-29T10:00:00Z", "bootstrap", A, "1", "1", "initialized", "the", "cluster"),
                columns(table, "bootstrap"));
        assertTrue(table.out().indexOf("bootstrap") < table.out().indexOf("failover"), table.out());

        CommandRun json = run("history", "-o", "json");
        assertEquals(0, json.exit(), json.err());
        JsonNode entries = JSON.readTree(json.out());
        assertEquals(2, entries.size());
        assertEquals("failover", entries.get(1).path("kind").asText());
        assertEquals(B, entries.get(1).path("machine_id").asText());
        assertEquals(2, entries.get(1).path("epoch").asLong());
        assertEquals("promoted after A vanished", entries.get(1).path("detail").asText());
    }

    // ---- restart and reinit, through the member's API

    @Test
    void restartReachesTheMembersApiAtItsAddressNow() {
        CountingCommands commands = startApiOfB();

        CommandRun run = run("restart", B, "--token", TOKEN);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("restart of PostgreSQL queued"), run.out());
        assertEquals(1, commands.restarts.get());
    }

    @Test
    void aWrongTokenFailsAndSaysHowToSetIt() {
        CountingCommands commands = startApiOfB();

        CommandRun run = run("restart", B, "--token", "wrong");

        assertEquals(1, run.exit());
        assertTrue(run.err().contains(B + " did not accept the API token (the API token is wrong)"), run.err());
        assertTrue(run.err().contains("token used: --token"), run.err());
        assertTrue(run.err().contains("PGMANAGER_API_TOKEN"), run.err());
        assertEquals(0, commands.restarts.get());
    }

    @Test
    void aRefusalByTheMemberFailsWithItsReason() {
        startApiOfB();

        CommandRun run = run("reinit", B, "--token", TOKEN);

        assertEquals(1, run.exit());
        assertTrue(run.err().contains(B + " refused: a restart is already queued"), run.err());
    }

    @Test
    void restartOfAMemberWithoutAnAddressSaysSo() {
        CommandRun run = run("restart", C, "--token", TOKEN);

        assertEquals(1, run.exit());
        assertTrue(run.err().contains(C + " does not resolve in DNS now"), run.err());
    }

    @Test
    void restartOfAnUnreachableMemberSaysWhere() {
        // B's record names an API port nobody listens on.
        dns.put(B, InetAddress.ofLiteral("127.0.0.1"));
        publishMembers(FreePorts.pick());

        CommandRun run = run("restart", B, "--token", TOKEN);

        assertEquals(1, run.exit());
        assertTrue(run.err().contains("cannot reach the API of " + B + " at http://127.0.0.1:"), run.err());
    }

    // ---- choosing the cluster

    @Test
    void aLocalClusterDirectoryNamesStoreDnsAndToken() throws Exception {
        CountingCommands commands = startApiOfB();
        Path dir = TempDirs.create("operator-commands-local");
        toDelete.add(dir);
        new LocalClusterFile(cluster, zooKeeper.clientAddress().getPort(), dns.port(), "su", "repl", TOKEN,
                List.of(new LocalMember(A, "127.0.0.2", 5432, 8008, 2181), new LocalMember(B, "127.0.0.1", 5432, 8008, 2181)))
                .write(dir);
        // This test's records were written without a store secret; the tools of a local cluster bring the secret of its
        // file, and refuse znodes without its ACL. Adopted as the README says an operator adopts their own (setAcl -R).
        CommandRun refused = CommandRun.of("list", "--dir", dir.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("refusing the cluster's znode /pgmanager/" + cluster), refused.err());
        adoptWithSecret(StoreSecret.derive(cluster, "su"));

        CommandRun list = CommandRun.of("list", "--dir", dir.toString(), "-o", "json");
        assertEquals(0, list.exit(), list.err());
        assertEquals(cluster, JSON.readTree(list.out()).path("cluster").asText());
        assertEquals("127.0.0.1", JSON.readTree(list.out()).path("members").get(1).path("address").asText());

        CommandRun restart = CommandRun.of("restart", B, "--dir", dir.toString());
        assertEquals(0, restart.exit(), restart.err());
        assertEquals(1, commands.restarts.get(), "the token came from cluster.json");
    }

    // ---- helpers

    /** Gives every znode of the cluster the digest ACL of {@code secret}, as {@code setAcl -R} with its digest does. */
    private void adoptWithSecret(String secret) throws Exception {
        try (CuratorFramework client = CuratorFrameworkFactory.builder().connectString(zooKeeper.connectString())
                .retryPolicy(new RetryOneTime(100))
                // pgmanager's digest user; the ACL "auth" id then names this client's digest identity
                .authorization("digest", ("pgmanager:" + secret).getBytes(StandardCharsets.UTF_8)).build()) {
            client.start();
            client.blockUntilConnected();
            setAclBelow(client, "/pgmanager/" + cluster);
        }
    }

    private static void setAclBelow(CuratorFramework client, String path) throws Exception {
        for (String child : client.getChildren().forPath(path)) setAclBelow(client, path + "/" + child);
        client.setACL().withACL(ZooDefs.Ids.CREATOR_ALL_ACL).forPath(path);
    }

    /** Runs a command against this test's cluster, named by options. */
    private CommandRun run(String... args) {
        String[] target = {"--store", zooKeeper.connectString(), "--cluster", cluster, "--dns-server", "127.0.0.1:" + dns.port()};
        return CommandRun.of(Stream.concat(Arrays.stream(args), Arrays.stream(target)).toArray(String[]::new));
    }

    /** The whitespace-separated cells of the one output line that has {@code key} as a cell. */
    private static List<String> columns(CommandRun run, String key) {
        List<List<String>> lines = run.out().lines().map(line -> List.of(line.strip().split("\\s+")))
                .filter(cells -> cells.contains(key))
                .toList();
        assertEquals(1, lines.size(), "one line with " + key + " in:\n" + run.out());
        return lines.getFirst();
    }

    private void publishMembers(int apiPortOfB) {
        Instant now = Instant.now();
        sidecars.touchMember(new Member(A, "ams", MemberRole.PRIMARY, MemberState.RUNNING, 2, LEADER_POSITION, LEADER_POSITION,
                Member.Tags.NONE, 5432, 8008, now));
        sidecars.touchMember(new Member(B, "ams", MemberRole.REPLICA, MemberState.STREAMING, 2, LEADER_POSITION, LEADER_POSITION - 1024,
                Member.Tags.NONE, 5432, apiPortOfB == 0 ? 8008 : apiPortOfB, now));
        sidecars.touchMember(new Member(C, "fra", MemberRole.REPLICA, MemberState.RUNNING, 0, -1, -1, Member.Tags.NONE, 5432, 8008, now));
    }

    /** Starts a real sidecar API for B on 127.0.0.1, and points B's record and DNS name there. */
    private CountingCommands startApiOfB() {
        CountingCommands commands = new CountingCommands();
        HttpApi api = closeLater(HttpApi.start(new InetSocketAddress("127.0.0.1", 0), new IdleView(), commands, Optional.of(TOKEN),
                Clock.systemUTC()));
        publishMembers(api.port());
        dns.put(B, InetAddress.ofLiteral("127.0.0.1"));
        return commands;
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.add(resource);
        return resource;
    }

    /** A sidecar that accepts restarts and refuses re-clones, counting what reached it. */
    private static final class CountingCommands implements OperatorCommands {
        final AtomicInteger restarts = new AtomicInteger();

        @Override
        public Result restart() {
            restarts.incrementAndGet();
            return Result.accepted("restart of PostgreSQL queued");
        }

        @Override
        public Result reinit(boolean discardOld) {
            return Result.refused("a restart is already queued");
        }

        @Override
        public Result rejoin() {
            return Result.refused("a restart is already queued");
        }

        @Override
        public Result switchover(Optional<String> to) {
            throw new UnsupportedOperationException("the CLI files switchovers in the store");
        }

        @Override
        public Result failover(String to, boolean force) {
            throw new UnsupportedOperationException("the CLI files failovers in the store");
        }

        @Override
        public Result pause() {
            throw new UnsupportedOperationException("the CLI pauses through the store");
        }

        @Override
        public Result resume() {
            throw new UnsupportedOperationException("the CLI resumes through the store");
        }
    }

    /** The API's read side, unused by these commands. */
    private static final class IdleView implements SidecarView {
        @Override
        public Optional<Pass> lastPass() {
            return Optional.empty();
        }

        @Override
        public Duration loopWait() {
            return Duration.ofSeconds(1);
        }

        @Override
        public long readinessLagBytes() {
            return 0;
        }

        @Override
        public Optional<InetAddress> addressOf(MachineId machineId) {
            return Optional.empty();
        }

        @Override
        public List<HistoryEntry> history() {
            return List.of();
        }

        @Override
        public RewriterReport rewriter() {
            return RewriterReport.off("not attached in this test", 0);
        }
    }
}
