package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.testing.Await;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A migrated replica whose forked volume holds a damaged page (test 7 of the migration issue), on a real three-member
 * local cluster under a writer: it must refuse to join with that data, keep it aside, clone the leader afresh and
 * stream, and no acknowledged write may be lost.
 */
class MigratedDataVerificationTest {
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(120);
    private static final int ROWS = 2000;
    private static final int PAGE_SIZE = 8192;

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
    void aMigratedReplicaWithACorruptPageRefusesToJoinKeepsTheCopyAsideAndReclones() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        String leader = harness.leader();
        String replica = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        String relationFile = createTable(leader);
        Await.until(Duration.ofSeconds(30), replica + " replayed the table", () -> rowCount(replica) == ROWS);

        try (SequenceWriter writer = harness.writer("corruption_writes", Duration.ofMillis(20))) {
            LocalClusterHarness.awaitWrites(writer, 25);
            // A clean stop of a standby writes a restartpoint: every replayed page is on disk before it is damaged.
            harness.cluster.stop(replica);
            Path damaged = harness.memberDir(replica).resolve("data").resolve(relationFile);
            byte[] original = damagePage(damaged, 1);
            harness.cluster.migrate(replica, Duration.ZERO, System.err);

            harness.awaitHealthy(REJOIN_BOUND);
            Await.until(Duration.ofSeconds(30), replica + " streams", () -> harness.receiverStreaming(replica));
            List<Path> aside = asideCopies(replica);
            assertEquals(1, aside.size(), "the rejected data is kept aside: " + aside);
            assertTrue(!Arrays.equals(original, readPage(aside.getFirst().resolve(relationFile), 1)),
                    "the copy aside is the damaged one, untouched");
            assertEquals(ROWS, rowCount(replica), "the re-cloned replica has every row of the damaged table");
            assertTrue(sidecarLog(replica).contains("failed verification"), "the refusal is logged");
            try (var store = harness.store()) {
                List<HistoryEntry> rejected = store.read().history().stream()
                        .filter(e -> e.kind().equals("verification-failed") && e.machineId().equals(replica)).toList();
                assertEquals(1, rejected.size(), "one verification-failed entry: " + store.read().history());
                assertTrue(rejected.getFirst().detail().contains("pg_checksums"), rejected.getFirst().detail());
                System.out.println("history: " + rejected.getFirst().detail());
            }

            LocalClusterHarness.awaitWrites(writer, writer.acknowledgedCount() + 25);
            writer.close();
            try (Connection primary = harness.connect(harness.leader())) {
                assertEquals(List.of(), writer.lostWrites(primary), "acknowledged writes lost");
            }
            long last = writer.acknowledgedCount();
            Await.until(Duration.ofSeconds(30), replica + " caught up", () -> sequenceRows(replica) >= last);
            try (Connection c = harness.connect(replica)) {
                assertEquals(List.of(), writer.lostWrites(c), "the re-cloned replica has every acknowledged write");
            }
        }
    }

    /** A table of several pages, checkpointed; returns its file relative to the data directory (the same on every member). */
    private static String createTable(String leader) throws SQLException {
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE damaged_table (id int PRIMARY KEY, filler text)");
            s.execute("INSERT INTO damaged_table SELECT g, repeat('x', 100) FROM generate_series(1, " + ROWS + ") g");
            s.execute("CHECKPOINT");
            try (ResultSet r = s.executeQuery("SELECT pg_relation_filepath('damaged_table')")) {
                r.next();
                return r.getString(1);
            }
        }
    }

    /** Overwrites bytes in the middle of page {@code page} (past its header, inside its tuples); returns the page as it was. */
    private static byte[] damagePage(Path file, int page) throws Exception {
        byte[] before = readPage(file, page);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            assertTrue(f.length() >= (long) (page + 1) * PAGE_SIZE, file + " holds page " + page);
            f.seek((long) page * PAGE_SIZE + PAGE_SIZE / 2);
            f.write("planted corruption, not PostgreSQL's".getBytes(StandardCharsets.US_ASCII));
        }
        return before;
    }

    private static byte[] readPage(Path file, int page) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[PAGE_SIZE];
            f.seek((long) page * PAGE_SIZE);
            f.readFully(bytes);
            return bytes;
        }
    }

    private static List<Path> asideCopies(String machineId) throws Exception {
        try (Stream<Path> entries = Files.list(harness.memberDir(machineId))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("data.aside-")).toList();
        }
    }

    private static long rowCount(String machineId) {
        return count(machineId, "damaged_table");
    }

    private static long sequenceRows(String machineId) {
        return count(machineId, "corruption_writes");
    }

    private static long count(String machineId, String table) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String sidecarLog(String machineId) throws Exception {
        return Files.readString(harness.memberDir(machineId).resolve("sidecar.log"), StandardCharsets.UTF_8);
    }
}
