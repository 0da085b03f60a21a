package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.platform.LocalStatus.MemberStatus;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Part;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Garbage written into the store's records under a live cluster: the sidecars decide without what they cannot read,
 * repair what is theirs, still fail over when the primary dies, and elect a new leader when the leader record itself is
 * garbage; the doctor names what is left and {@code pgmanager store repair} removes it, keeping a copy.
 */
@TestMethodOrder(OrderAnnotation.class)
class CorruptRecordsTest {
    private static final Duration FAILOVER_BOUND = LocalClusterHarness.SESSION_TIMEOUT.plus(LocalClusterHarness.LOOP_WAIT.multipliedBy(3))
            .plusSeconds(10);
    private static final Duration HEAL = Duration.ofSeconds(90);
    private static final byte[] GARBAGE = "garbage".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalClusterHarness harness;
    private static String dir;
    private static String root;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(3);
        dir = harness.cluster.dir().toAbsolutePath().normalize().toString();
        root = "/pgmanager/" + harness.currentFile().app();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    @Order(1)
    void unreadableRecordsStopNoLoopAndAFailoverStillHappens() throws Exception {
        String leader = harness.awaitHealthy(HEAL).leader();
        String replica = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        String oldestEntry;
        try (CuratorFramework zk = harness.rawStoreClient()) {
            oldestEntry = root + "/history/" + zk.getChildren().forPath(root + "/history").stream().sorted().findFirst().orElseThrow();
            zk.setData().forPath(oldestEntry, GARBAGE);
            zk.setData().forPath(root + "/members/" + replica, GARBAGE);
            zk.create().forPath(root + "/handover", GARBAGE);
            zk.create().forPath(root + "/sync", GARBAGE);
        }

        // What is theirs to mend, the sidecars mend: the leader removes the request and the synchronous record (this
        // cluster is not in synchronous mode), the replica writes its record again. The history entry stays.
        Await.until(HEAL, "only the history entry left unreadable", () -> {
            ClusterSnapshot s = snapshot();
            return s.unreadable().stream().map(UnreadableRecord::location).toList().equals(List.of(oldestEntry))
                    && s.member(replica).isPresent() && s.handover().isEmpty();
        });
        JsonNode finding = doctorFinding("records", oldestEntry);
        assertEquals("warning", finding.path("severity").asText());
        assertEquals("pgmanager store repair --dir " + dir, finding.path("fix").asText());
        assertTrue(finding.path("message").asText().contains("left out of pgmanager history"), finding.toString());

        harness.cluster.kill(leader);
        String successor = awaitOnePrimaryOtherThan(leader);
        writeOn(successor, "after_failover");

        CommandRun dryRun = CommandRun.of("store", "repair", "--dry-run", "--dir", dir);
        assertEquals(0, dryRun.exit(), dryRun.err());
        assertTrue(dryRun.out().contains(oldestEntry + ": ") && dryRun.out().contains("would be removed from the history"), dryRun.out());
        assertEquals(List.of(oldestEntry), unreadableLocations(), "a dry run changes nothing");

        CommandRun repair = CommandRun.of("store", "repair", "--dir", dir);
        assertEquals(0, repair.exit(), repair.err());
        assertTrue(repair.out().contains("removed from the history; its bytes are kept at " + root + "/repaired/"), repair.out());
        assertEquals(List.of(), unreadableLocations());
        assertEquals("ok", doctorFinding("records", harness.currentFile().app()).path("severity").asText());

        harness.cluster.start(leader);
        harness.awaitHealthy(HEAL);
    }

    @Test
    @Order(2)
    void anUnreadableLeaderRecordIsRemovedByItsOwnerAndALeaderIsElected() throws Exception {
        String leader = harness.awaitHealthy(HEAL).leader();
        List<String> primariesSeen = new ArrayList<>();
        try (CuratorFramework zk = harness.rawStoreClient()) {
            // Written over the lease, the garbage keeps the lease's owner: the leader's session, which lives on.
            zk.setData().forPath(root + "/leader", GARBAGE);
        }

        Await.until(FAILOVER_BOUND, "a readable leader record again, held by a running primary", () -> {
            ClusterSnapshot s = snapshot();
            List<String> primaries = primaries();
            if (primaries.size() > 1) primariesSeen.add(String.join(",", primaries));
            return s.unreadable().isEmpty() && s.leader().isPresent() && primaries.equals(List.of(s.leader().get().machineId()));
        });
        assertEquals(List.of(), primariesSeen, "never two primaries");
        String now = harness.awaitHealthy(HEAL).leader();
        writeOn(now, "after_unreadable_leader");
        System.out.println("the leader record of " + leader + " turned to garbage; " + now + " leads now");
    }

    private static ClusterSnapshot snapshot() {
        try (ZooKeeperClusterStore store = harness.store()) {
            return store.read();
        }
    }

    private static List<String> unreadableLocations() {
        return snapshot().unreadable().stream().map(UnreadableRecord::location).toList();
    }

    private static List<String> primaries() {
        return harness.status().members().stream().filter(m -> "primary".equals(m.role())).map(MemberStatus::machineId).toList();
    }

    private static String awaitOnePrimaryOtherThan(String old) {
        Await.until(FAILOVER_BOUND, "another member than " + old + " to lead as the only primary", () -> {
            ClusterSnapshot s = snapshot();
            return s.leader().isPresent() && !s.leader().get().machineId().equals(old)
                    && primaries().equals(List.of(s.leader().get().machineId()));
        });
        return snapshot().leader().orElseThrow().machineId();
    }

    private static void writeOn(String machineId, String table) throws Exception {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " AS SELECT 1 AS n");
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
                assertTrue(r.next() && r.getLong(1) == 1);
            }
        }
    }

    private static JsonNode doctorFinding(String check, String subject) throws Exception {
        CommandRun run = CommandRun.of("doctor", "--dir", dir, "-o", "json");
        for (JsonNode f : JSON.readTree(run.out()).path("findings")) {
            if (f.path("check").asText().equals(check) && f.path("subject").asText().equals(subject)) return f;
        }
        throw new AssertionError("no " + check + " finding about " + subject + ": " + run.out() + run.err());
    }
}
