package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.api.DiskSpace;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A cluster on a small volume of its own (a size-limited tmpfs the test mounts) is filled through its primary until the
 * guard turns user sessions read-only: writes fail with PostgreSQL's read-only error before the volume is full, every
 * acknowledged row is still there on both members, the replica keeps streaming, and once space is freed writes resume
 * with nobody's help.
 */
class DiskFullGuardTest {
    private static final int VOLUME_MB = 600;
    /** Freed at the end: enough to bring the volume from the read-only mark (90 %) below the writable mark (85 %). */
    private static final int BALLAST_MB = 200;
    private static final int ROWS_PER_BATCH = 250;

    @Test
    void aFillingVolumeTurnsTheClusterReadOnlyLosingNothingAndWritableAgainOnceThereIsRoom() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (the test mounts a size-limited tmpfs as the cluster's volume)");
        // Traversable all the way: PostgreSQL runs as the postgres user. Short names: PostgreSQL's socket lives below, and a
        // Unix socket's path may not exceed 107 bytes.
        Path base = Files.createTempDirectory("pgmanager-it-d", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path volume = base.resolve("v");
        Files.createDirectory(volume);
        run("mount", "-t", "tmpfs", "-o", "size=" + VOLUME_MB + "m,mode=0755", "tmpfs", volume.toString());
        try {
            Path clusterDir = Files.createDirectory(volume.resolve("c"));
            Files.setPosixFilePermissions(clusterDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path ballast = volume.resolve("ballast");
            writeBallast(ballast);
            try (LocalClusterHarness harness = LocalClusterHarness.upIn(clusterDir, 2)) {
                harness.awaitHealthy(Duration.ofSeconds(90));
                fillUntilRefusedThenFree(harness, volume, ballast, clusterDir);
            }
        } finally {
            run("umount", volume.toString());
            Files.deleteIfExists(volume);
            Files.deleteIfExists(base);
        }
    }

    private static void fillUntilRefusedThenFree(LocalClusterHarness harness, Path volume, Path ballast, Path clusterDir) throws Exception {
        String leader = harness.leader();
        String replica = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        long acknowledged = 0;
        SQLException refused = null;
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE fill (n bigint PRIMARY KEY, pad text)");
            while (refused == null) {
                double used = usedPercent(volume);
                assertTrue(used < 99, "the volume reached " + Math.round(used) + "% and writes were still taken");
                try {
                    s.executeUpdate("INSERT INTO fill SELECT g, repeat(md5(g::text), 32) FROM generate_series("
                            + (acknowledged + 1) + ", " + (acknowledged + ROWS_PER_BATCH) + ") g");
                    acknowledged += ROWS_PER_BATCH;
                } catch (SQLException e) {
                    refused = e;
                }
                Thread.sleep(100);
            }
            assertEquals("25006", refused.getSQLState(), "refused as a read-only transaction: " + refused.getMessage());
            assertTrue(refused.getMessage().contains("read-only transaction"), refused.getMessage());
            double usedAtRefusal = usedPercent(volume);
            assertTrue(usedAtRefusal >= 89 && usedAtRefusal < 99, "refused at " + usedAtRefusal + "% of the volume");
            assertEquals(acknowledged, count(s), "every acknowledged row is on the primary");
        }
        final long rows = acknowledged;

        // Reported where operators look: the member's record (so /cluster, list and doctor), and the metrics.
        Await.until(Duration.ofSeconds(15), "the leader's record says its disk is full", () -> record(harness, leader).diskFull());
        assertEquals(1, harness.metrics(leader).value("pgmanager_disk_read_only"));
        CommandRun list = CommandRun.of("list", "--dir", clusterDir.toString());
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains("read-only: disk full"), list.out());
        // Replication goes on: the replica streams and has every acknowledged row.
        assertTrue(harness.receiverStreaming(replica), replica + " streams");
        Await.until(Duration.ofSeconds(30), replica + " replays every acknowledged row", () -> {
            try (Connection c = harness.connect(replica); Statement s = c.createStatement()) {
                return count(s) == rows;
            } catch (SQLException e) {
                throw new IllegalStateException("cannot count the rows on " + replica + ": " + e.getMessage(), e);
            }
        });

        // Room again: writes resume without an operator.
        Files.delete(ballast);
        assertTrue(usedPercent(volume) < 85, "freeing the ballast brings the volume below the writable mark");
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            Await.until(Duration.ofSeconds(15), "the leader takes writes again", () -> {
                try {
                    s.executeUpdate("INSERT INTO fill VALUES (" + (rows + 1) + ", 'after')");
                    return true;
                } catch (SQLException stillReadOnly) {
                    return false;
                }
            });
            assertEquals(rows + 1, count(s), "nothing acknowledged was lost");
        }
        // Both members share the volume: each clears its own record on its next pass.
        Await.until(Duration.ofSeconds(15), "no member's record says its disk is full",
                () -> harness.machineIds().stream().noneMatch(id -> record(harness, id).diskFull()));
        assertEquals(0, harness.metrics(leader).value("pgmanager_disk_read_only"));
        assertFalse(CommandRun.of("list", "--dir", clusterDir.toString()).out().contains("read-only"));
    }

    private static Member record(LocalClusterHarness harness, String machineId) {
        try (ZooKeeperClusterStore store = harness.store()) {
            return store.read().members().get(machineId);
        }
    }

    private static long count(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT count(*) FROM fill")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static double usedPercent(Path volume) {
        DiskSpace space = DiskSpace.of(volume).orElseThrow();
        return 100.0 * (space.totalBytes() - space.freeBytes()) / space.totalBytes();
    }

    private static void writeBallast(Path ballast) throws IOException {
        byte[] megabyte = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(ballast)) {
            for (int i = 0; i < BALLAST_MB; i++) out.write(megabyte);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ": " + output);
    }
}
