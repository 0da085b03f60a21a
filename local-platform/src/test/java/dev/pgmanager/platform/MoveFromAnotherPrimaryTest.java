package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.TestNodes;
import dev.pgmanager.store.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Moving a database over from a primary outside pgmanager (postgres-flex's, played here by a plain PostgreSQL primary
 * with a replication role, as flex's has): a new cluster is created as its standby, its three members replicate while
 * the source keeps taking writes; the dry run changes nothing; the cut-over makes the source read-only, lets the leader
 * replay its last WAL and promotes it, losing no write the source acknowledged; the rollback makes the source take writes
 * again.
 */
class MoveFromAnotherPrimaryTest {
    private static final String SOURCE_REPLICATION_USER = "replicator";
    private static final String SOURCE_REPLICATION_PASSWORD = "repl:secret pw";

    @Test
    void aStandbyClusterReplicatesTheSourceAndTakesOverLosingNothing() throws Exception {
        Path root = Files.createTempDirectory("pgmanager-move-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path clusterDir = Files.createDirectory(root.resolve("c"));
        Files.setPosixFilePermissions(clusterDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path passwordFile = root.resolve("source-password");
        Files.writeString(passwordFile, TestNodes.SUPERUSER.password() + "\n");
        LocalCluster cluster = LocalCluster.at(clusterDir);
        try (TestNodes nodes = new TestNodes(Files.createDirectory(root.resolve("s")))) {
            PostgresController source = nodes.node("5ce0000000f1e8");
            source.initdb();
            source.start();
            String sourceAt = "127.0.0.1:" + source.config().port();
            try (SequenceWriter beforeAndDuring = new SequenceWriter("jdbc:postgresql://" + sourceAt + "/postgres", "postgres",
                    TestNodes.SUPERUSER.password(), "moved", Duration.ofMillis(50))) {
                Await.until(Duration.ofSeconds(20), "writes on the source", () -> beforeAndDuring.acknowledgedCount() > 20);

                // the new cluster: the source's data and roles, its replication role, a standby of it
                LocalClusterFile file = cluster.upAsStandby(3, NewClusterSettings.DEFAULTS.withoutBackups().withMigration(Map.of(
                                "source", sourceAt, "source_user", SOURCE_REPLICATION_USER, "source_password", SOURCE_REPLICATION_PASSWORD)),
                        new LocalCluster.Roles(TestNodes.SUPERUSER.password(), SOURCE_REPLICATION_PASSWORD), SOURCE_REPLICATION_USER,
                        System.err);
                String dir = clusterDir.toString();
                for (LocalMember m : file.members()) {
                    Await.until(Duration.ofSeconds(180), m.machineId() + " replicating the source as a standby",
                            () -> standbyWithRows(file, m.machineId(), beforeAndDuring.acknowledgedCount() / 2));
                }
                CommandRun status = CommandRun.of("migrate", "status", "--dir", dir, "--source-password-file", passwordFile.toString());
                assertEquals(0, status.exit(), status.err());
                assertTrue(status.out().contains("standby of replicator@127.0.0.1:" + source.config().port()), status.out());

                CommandRun dryRun = CommandRun.of("migrate", "cutover", "--dry-run", "--dir", dir, "--source-password-file", passwordFile.toString());
                assertEquals(0, dryRun.exit(), dryRun.out() + dryRun.err());
                assertTrue(dryRun.out().contains("nothing was changed"), dryRun.out());
                int acknowledged = beforeAndDuring.acknowledgedCount();
                Await.until(Duration.ofSeconds(10), "the source still takes writes", () -> beforeAndDuring.acknowledgedCount() > acknowledged);
                assertTrue(file.members().stream().allMatch(m -> standbyWithRows(file, m.machineId(), 0)), "still standbys");

                Instant cutStarted = Instant.now();
                CommandRun cutover = CommandRun.of("migrate", "cutover", "--dir", dir, "--source-password-file", passwordFile.toString());
                assertEquals(0, cutover.exit(), cutover.out() + cutover.err());
                assertTrue(cutover.out().contains("is the primary"), cutover.out());
                LocalStatus after = cluster.awaitHealthy(file, Duration.ofSeconds(90));
                String leader = after.leader();

                // the source refuses writes now; every write it acknowledged is on the new primary and its replicas
                SQLException refused = assertThrows(SQLException.class, () -> insertInto(sourceAt, TestNodes.SUPERUSER.password()));
                assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
                beforeAndDuring.close();
                try (Connection primary = connect(file, leader)) {
                    assertEquals(List.of(), beforeAndDuring.lostWrites(primary), "writes the source acknowledged are missing");
                }
                try (SequenceWriter afterwards = new SequenceWriter(SequenceWriter.primaryUrl(file.members().stream()
                        .map(m -> new HostPort(m.address(), m.pgPort()).toString()).toList(), "postgres"), "postgres",
                        TestNodes.SUPERUSER.password(), "after_move", Duration.ofMillis(50))) {
                    Await.until(Duration.ofSeconds(30), "writes on the new primary", () -> afterwards.acknowledgedCount() > 10);
                    System.out.printf("move-over: writes refused from the cut-over's start until the new primary's first write: "
                            + "%d ms (the command said: %s)%n", Duration.between(beforeAndDuring.lastAcknowledged(),
                                    afterwards.acknowledgedAt(1)).toMillis(), cutover.out().lines().filter(l -> l.startsWith("cut over"))
                                    .findFirst().orElse("?").replaceAll(":.*", ""));
                    assertTrue(afterwards.acknowledgedAt(1).isAfter(cutStarted));
                }

                // the way back: the source takes writes again
                CommandRun rollback = CommandRun.of("migrate", "rollback", "--source", sourceAt, "--dir", dir,
                        "--source-password-file", passwordFile.toString());
                assertEquals(0, rollback.exit(), rollback.out() + rollback.err());
                assertTrue(rollback.out().contains("takes writes again"), rollback.out());
                insertInto(sourceAt, TestNodes.SUPERUSER.password());
                CommandRun again = CommandRun.of("migrate", "cutover", "--dir", dir, "--source-password-file", passwordFile.toString());
                assertEquals(1, again.exit());
                assertTrue(again.err().contains("nobody's standby"), again.err());
            }
        } finally {
            cluster.down(true);
            dev.pgmanager.store.testing.TempDirs.delete(root);
        }
    }

    /** Whether the member runs as a standby and holds at least {@code rows} of the source's writes. */
    private static boolean standbyWithRows(LocalClusterFile file, String machineId, int rows) {
        try (Connection c = connect(file, machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_is_in_recovery(), (SELECT count(*) FROM moved)")) {
            r.next();
            return r.getBoolean(1) && r.getLong(2) >= rows;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void insertInto(String at, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + at + "/postgres", "postgres", password);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS probe (n int)");
            s.execute("INSERT INTO probe VALUES (1)");
        }
    }

    private static Connection connect(LocalClusterFile file, String machineId) throws SQLException {
        LocalMember m = file.member(machineId).orElseThrow();
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", TestNodes.SUPERUSER.password());
        p.setProperty("connectTimeout", "3");
        return DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres"), p);
    }
}
