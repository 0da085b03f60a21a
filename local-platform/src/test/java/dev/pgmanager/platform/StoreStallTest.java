package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.Postmaster;
import dev.pgmanager.store.testing.Await;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A store that stops answering for longer than half a session but less than a whole one (a loaded machine, a slow
 * network): the leader's lease comes into doubt and its reflex fences the primary by freezing it; when the store answers
 * again, the lease is confirmed and the same primary goes on, with its clients' connections, on the same timeline, and
 * nobody else is promoted.
 */
class StoreStallTest {
    /**
     * A long session, so that the stall outlasts half of it (the lease in doubt) with a wide margin before two thirds of
     * it, when the store clients would give up on their connections and reconnect: the lease is asked about every tenth
     * of a session, so it comes into doubt between 0.4 and 0.5 of a session into the stall, and the clients give up
     * between 0.57 and 0.67 of it (4.8-6.0 s against 6.8-8.0 s here).
     */
    private static final Duration SESSION = Duration.ofSeconds(12);

    @Test
    void aPrimaryFrozenWhileTheStoreStallsGoesOnWithItsConnectionsWhenTheStoreAnswersAgain() throws Exception {
        try (LocalClusterHarness harness = LocalClusterHarness.upWithSessionTimeout(2, SESSION)) {
            LocalStatus before = harness.awaitHealthy(Duration.ofSeconds(90));
            String leader = before.leader();
            long postmaster = harness.postmasterPid(leader);
            long timeline = harness.member(leader).timeline();
            long platform = harness.cluster.platformPid().orElseThrow();
            try (Connection client = harness.connect(leader); Statement statement = client.createStatement()) {
                statement.execute("CREATE TABLE stall (n int PRIMARY KEY)");
                statement.execute("INSERT INTO stall VALUES (1)");

                LocalClusterHarness.signal("-STOP", platform);
                CompletableFuture<Void> insert;
                try {
                    Await.until(SESSION.dividedBy(2).plusMillis(500), leader + "'s primary frozen by its lease reflex",
                            () -> Postmaster.state(postmaster) == 'T');
                    insert = CompletableFuture.runAsync(() -> run(statement, "INSERT INTO stall VALUES (2)"));
                    assertThrows(TimeoutException.class, () -> insert.get(150, TimeUnit.MILLISECONDS),
                            "a frozen primary commits nothing" + harness.sidecarWarnings());
                } finally {
                    LocalClusterHarness.signal("-CONT", platform);
                }
                insert.get(20, TimeUnit.SECONDS);
                try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM stall")) {
                    rows.next();
                    assertEquals(2, rows.getInt(1), "the same connection goes on, both rows committed");
                }
            }
            LocalStatus after = harness.awaitHealthy(Duration.ofSeconds(30));
            assertEquals(leader, after.leader(), "nobody else was promoted");
            assertEquals(postmaster, harness.postmasterPid(leader), "the same postmaster, never restarted");
            assertFalse(Postmaster.state(postmaster) == 'T', "thawed");
            assertEquals(timeline, harness.member(leader).timeline(), "the same timeline: no promotion");
            assertEquals(List.of(leader), after.members().stream().filter(m -> m.role().equals("primary"))
                    .map(LocalStatus.MemberStatus::machineId).toList(), "exactly one primary");
            String log = Files.readString(harness.memberDir(leader).resolve("sidecar.log"));
            assertTrue(log.contains("froze PostgreSQL") && log.contains("PostgreSQL goes on"), "the reflex froze and thawed it");
            assertFalse(log.contains("stopped PostgreSQL"), "and never stopped it" + harness.sidecarWarnings());
        }
    }

    private static void run(Statement statement, String sql) {
        try {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
