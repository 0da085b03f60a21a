package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Continuous backups end to end, on a real two-member cluster that archives to the local platform's real S3 server
 * with pgBackRest: point-in-time recovery (to a time, an LSN, the end of the archive) into new clusters of their own,
 * archive continuity across a crash failover and a switchover, archiving through an outage of the object storage, and
 * {@code backup verify} finding a damaged object. Each restore is checked by its rows, never by its exit code alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupAndRestoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ARCHIVED = Duration.ofSeconds(90);

    private static LocalClusterHarness source;
    private static final List<Path> restored = new ArrayList<>();

    @BeforeAll
    static void bootstrap() throws Exception {
        source = LocalClusterHarness.upWithBackups(2, Map.of());
        Await.until(Duration.ofSeconds(90), "the first full backup is in the repository", quietly(() -> !backups().isEmpty()));
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (Path dir : restored) {
            LocalCluster.at(dir).down(true);
        }
        if (source != null) source.close();
    }

    @Test
    @Order(0)
    void aBackupTakenFromTheReplicaRestores() throws Exception {
        String leader = source.leader();
        String replica = source.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        Await.until(Duration.ofSeconds(60), replica + " streams and offers its files for backups", quietly(() -> {
            try (ZooKeeperClusterStore store = source.store()) {
                var record = store.read().member(replica).orElseThrow();
                return source.receiverStreaming(replica) && record.backupSource().isPresent();
            }
        }));
        insert(leader, "CREATE TABLE from_replica (id int PRIMARY KEY)", "INSERT INTO from_replica SELECT generate_series(1, 321)");
        Set<String> before = labels();

        CommandRun create = CommandRun.of("backup", "create", "--type", "full", "--dir", source.cluster.dir().toString());
        assertEquals(0, create.exit(), create.out() + create.err());
        Set<String> after = labels();
        after.removeAll(before);
        assertEquals(1, after.size(), "one new backup: " + after);
        String label = after.iterator().next();
        Path manifest = source.cluster.dir().resolve("platform/s3/objects/backups/pgmanager").resolve(source.file.app())
                .resolve("backup").resolve(source.file.app()).resolve(label).resolve("backup.manifest");
        String options = Files.readString(manifest);
        assertTrue(options.contains("option-backup-standby=true"), "pgBackRest read the files from the replica: " + manifest);
        Thread.sleep(1100);
        String beforeDrop = now(leader);
        Thread.sleep(1100);
        try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
            s.execute("DROP TABLE from_replica");
            awaitArchived(c);
        }

        // local fork takes a backup as its source as local restore does (and shares its code)
        Path dir = newDirectory();
        restored.add(dir);
        CommandRun fork = CommandRun.of("local", "fork", "--from-backup", label, "--target-time", beforeDrop, "--cluster", "fromreplica",
                "--source-dir", source.cluster.dir().toString(), "--dir", dir.toString());
        assertEquals(0, fork.exit(), fork.out() + fork.err());
        try (LocalClusterHarness restoredCopy = LocalClusterHarness.adopt(dir)) {
            assertEquals(321, count(restoredCopy, restoredCopy.leader(), "from_replica"), "every row, from the replica's backup");
        }
    }

    @Test
    @Order(1)
    void pointInTimeRecoveryBringsBackEveryRowADropTableTook() throws Exception {
        String leader = source.leader();
        String beforeDrop;
        String lsnAfterMore;
        try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY)");
            s.execute("INSERT INTO items SELECT generate_series(1, 1000)");
            Thread.sleep(1100);
            beforeDrop = single(s, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            Thread.sleep(1100);
            s.execute("INSERT INTO items SELECT generate_series(1001, 1500)");
            lsnAfterMore = single(s, "SELECT pg_current_wal_insert_lsn()");
            s.execute("DROP TABLE items");
            awaitArchived(c);
        }
        Set<String> membersBefore = Set.copyOf(source.machineIds());

        try (LocalClusterHarness toTime = restore("totime", "--target-time", beforeDrop)) {
            String member = toTime.leader();
            assertEquals(1000, count(toTime, member, "items"), "every row committed by the target time, none after");
            assertEquals("totime", toTime.file.app());
            assertNotEquals(source.file.storePort(), toTime.file.storePort(), "a store of its own");
            assertTrue(toTime.member(member).timeline() > 1, "a new timeline: " + toTime.status().summary());
            try (Connection c = toTime.connect(member); Statement s = c.createStatement()) {
                s.execute("INSERT INTO items VALUES (5000)");
            }
            Await.until(Duration.ofSeconds(90), "the restored cluster archives into a repository path of its own",
                    () -> Files.isDirectory(toTime.cluster.dir().resolve("platform/s3/objects/backups/pgmanager/totime/archive")));
        }
        try (ZooKeeperClusterStore store = source.store()) {
            assertEquals(membersBefore, store.read().members().keySet(), "no restored member joined the source");
        }
        try (Connection c = source.connect(source.leader()); Statement s = c.createStatement()) {
            assertEquals("0", single(s, "SELECT count(*) FROM pg_tables WHERE tablename = 'items'"), "the source is as it was");
        }

        try (LocalClusterHarness toLsn = restore("tolsn", "--target-lsn", lsnAfterMore)) {
            assertEquals(1500, count(toLsn, toLsn.leader(), "items"), "every row written up to the LSN");
        }
    }

    @Test
    @Order(2)
    void aNewClustersFirstMachineStartsFromTheBackupsWhenToldAsOnFly() throws Exception {
        String target;
        try (Connection c = source.connect(source.leader()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE fly_rows (id int PRIMARY KEY)");
            s.execute("INSERT INTO fly_rows SELECT generate_series(1, 700)");
            Thread.sleep(1100);
            target = single(s, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            Thread.sleep(1100);
            s.execute("INSERT INTO fly_rows SELECT generate_series(701, 900)");
            awaitArchived(c);
            assertEquals("4MB", single(s, "SHOW wal_segment_size"), "initdb made the source with the default segment size");
        }
        Set<String> membersBefore = Set.copyOf(source.machineIds());
        String dns = "127.0.0.1:" + source.file.dnsPort();
        try (NewMachine machine = NewMachine.withPasswordsOf(source.file)) {
            // As fly storage create gives an app its bucket: the same bucket, the new cluster under a path of its own. The
            // segment size configured applies to initdb alone: the restored data keeps the backup's.
            Map<String, String> settings = new java.util.HashMap<>(restoreFrom(source.file.app(), target));
            settings.put("PGMANAGER_WAL_SEGMENT_SIZE", "1MB");
            machine.startSidecar("flyrestored", source.file.storeConnectString(), dns, settings);
            Await.until(Duration.ofSeconds(180), "the new machine restored the backups and leads", quietly(() -> {
                machine.requireSidecarRunning();
                try (Connection c = machine.connect(); Statement s = c.createStatement()) {
                    return single(s, "SELECT pg_is_in_recovery()").equals("f") && single(s, "SELECT count(*) FROM fly_rows").equals("700");
                }
            }));
            try (Connection c = machine.connect(); Statement s = c.createStatement()) {
                assertEquals("700", single(s, "SELECT count(*) FROM fly_rows"), "the rows committed by the target, none after");
                assertEquals("4MB", single(s, "SHOW wal_segment_size"), "the backup's segment size, not the one configured");
                s.execute("INSERT INTO fly_rows VALUES (10000)");
            }
            Path bucket = source.cluster.dir().resolve("platform/s3/objects/backups/pgmanager");
            Await.until(Duration.ofSeconds(90), "the new cluster archives under its own path in the same bucket",
                    () -> Files.isDirectory(bucket.resolve("flyrestored/archive")));
            assertTrue(machine.sidecarLog().contains("instead of an empty database"), machine.sidecarLog());
        }
        try (ZooKeeperClusterStore store = source.store()) {
            assertEquals(membersBefore, store.read().members().keySet(), "the source's members are as they were");
        }

        try (NewMachine machine = NewMachine.withPasswordsOf(source.file)) {
            machine.startSidecar("flytooearly", source.file.storeConnectString(), dns, restoreFrom(source.file.app(),
                    "2000-01-01T00:00:00Z"));
            Await.until(Duration.ofSeconds(60), "the member says why it does not start", quietly(() ->
                    machine.sidecarLog().contains("will not create an empty database instead")));
            machine.requireSidecarRunning();
            assertFalse(Files.exists(machine.data().resolve("PG_VERSION")), "no empty database was made in place of the restore");
        }
    }

    private static Map<String, String> restoreFrom(String cluster, String targetTime) {
        Map<String, String> settings = new java.util.HashMap<>(bucket());
        settings.putAll(Map.of("PGMANAGER_RESTORE_FROM", cluster, "PGMANAGER_RESTORE_TARGET_TIME", targetTime));
        return settings;
    }

    /** The source's bucket, as fly storage create gives it to an app. */
    private static Map<String, String> bucket() {
        var s3 = source.file.objectStorage();
        return Map.of("BUCKET_NAME", s3.bucket(), "AWS_ENDPOINT_URL_S3", s3.endpoint(), "AWS_ACCESS_KEY_ID", s3.accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", s3.secretAccessKey(), "PGMANAGER_BACKUP_CA_FILE", s3.caFile());
    }

    @Test
    @Order(2)
    void forkTakesTheBackupsAsItsSourceOnANewMachine() throws Exception {
        String target;
        try (Connection c = source.connect(source.leader()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE fork_rows (id int PRIMARY KEY)");
            s.execute("INSERT INTO fork_rows SELECT generate_series(1, 400)");
            Thread.sleep(1100);
            target = single(s, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            Thread.sleep(1100);
            s.execute("INSERT INTO fork_rows SELECT generate_series(401, 450)");
            awaitArchived(c);
        }
        try (NewMachine machine = NewMachine.withPasswordsOf(source.file)) {
            machine.putEnvironment(bucket());
            CommandRun sameName = machine.pgmanager("fork", "--from-backup", "latest", "--source-cluster", source.file.app(),
                    "--cluster", source.file.app(), "--data-dir", machine.data().toString());
            assertEquals(2, sameName.exit(), sameName.err());
            assertTrue(sameName.err().contains("not the source"), sameName.err());

            CommandRun fork = machine.pgmanager("fork", "--from-backup", "latest", "--target-time", target, "--source-cluster",
                    source.file.app(), "--cluster", "flyforked", "--data-dir", machine.data().toString());
            assertEquals(0, fork.exit(), fork.out() + fork.err());
            assertTrue(fork.out().contains("start the sidecar"), fork.out());
            machine.startSidecar("flyforked", source.file.storeConnectString(), "127.0.0.1:" + source.file.dnsPort());
            Await.until(Duration.ofSeconds(120), "the forked machine leads with the rows of the target", quietly(() -> {
                machine.requireSidecarRunning();
                try (Connection c = machine.connect(); Statement s = c.createStatement()) {
                    return single(s, "SELECT pg_is_in_recovery()").equals("f") && single(s, "SELECT count(*) FROM fork_rows").equals("400");
                }
            }));
        }
    }

    @Test
    @Order(3)
    void aTargetBeforeTheOldestBackupIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path dir = newDirectory();
        CommandRun run = CommandRun.of("local", "restore", "--source-dir", source.cluster.dir().toString(), "--dir", dir.toString(),
                "--cluster", "tooearly", "--target-time", "2000-01-01T00:00:00Z");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("lies before what the repository can restore"), run.err());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "nothing was written");
        }
        Files.delete(dir);

        CommandRun future = CommandRun.of("local", "restore", "--source-dir", source.cluster.dir().toString(), "--dir",
                dir.toString(), "--cluster", "future", "--target-time", "2999-01-01T00:00:00Z");
        assertEquals(1, future.exit(), future.err());
        assertTrue(future.err().contains("is in the future"), future.err());
        assertFalse(Files.exists(dir.resolve("cluster.json")));
    }

    @Test
    @Order(4)
    void theArchiveStaysWholeAcrossACrashFailoverAndASwitchover() throws Exception {
        String first = source.leader();
        insert(first, "CREATE TABLE continuity (id int PRIMARY KEY)", "INSERT INTO continuity SELECT generate_series(1, 100)");
        String second = source.machineIds().stream().filter(id -> !id.equals(first)).findFirst().orElseThrow();
        Await.until(Duration.ofSeconds(30), second + " has the first rows", () -> count(source, second, "continuity") == 100);

        source.cluster.kill(first);
        assertEquals(second, awaitLeaderOtherThan(first));
        insertOnceWritable(second, "INSERT INTO continuity SELECT generate_series(101, 200)");
        source.cluster.start(first);
        Await.until(Duration.ofSeconds(90), first + " is back and follows the new leader", () -> count(source, first, "continuity") == 200);
        source.awaitHealthy(Duration.ofSeconds(120));

        CommandRun switchover = CommandRun.of("switchover", "--dir", source.cluster.dir().toString(), "--to", first, "--wait");
        assertEquals(0, switchover.exit(), switchover.err());
        assertEquals(first, awaitLeaderOtherThan(second));
        insertOnceWritable(first, "INSERT INTO continuity SELECT generate_series(201, 300)");
        source.awaitHealthy(Duration.ofSeconds(120));
    }

    @Test
    @Order(5)
    void walWrittenWhileTheObjectStorageIsDownIsArchivedWhenItReturnsWithNoGap() throws Exception {
        String leader = source.leader();
        insert(leader, "CREATE TABLE outage (id int PRIMARY KEY)");
        // A leader new from the last test reads the repository a few seconds into its term: what it read stays known
        // through the outage below, where the dashboard's series are checked.
        Await.until(Duration.ofSeconds(60), leader + " has read the repository", quietly(() ->
                source.metrics(leader).exports("pgmanager_backup_last_success_timestamp_seconds")));
        source.cluster.objectStorageOutage(true);
        try {
            for (int i = 0; i < 3; i++) {
                insert(leader, "INSERT INTO outage SELECT generate_series(" + (i * 100 + 1) + ", " + (i * 100 + 100) + ")",
                        "SELECT pg_switch_wal()");
            }
            Await.until(Duration.ofSeconds(120), "PostgreSQL reports failed archive attempts", quietly(() -> {
                try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
                    return Long.parseLong(single(s, "SELECT failed_count FROM pg_stat_archiver")) > 0;
                }
            }));
            try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
                assertEquals("300", single(s, "SELECT count(*) FROM outage"), "PostgreSQL kept taking writes");
            }
            // While WAL waits, the leader exports every backup series the dashboard's Backups row queries (clusters
            // without backups export none of them: ObservabilityAndSecurityTest leaves these to this test).
            Set<String> backupMetrics = DashboardQueries.load(DashboardQueries.DASHBOARD).metricNames().keySet().stream()
                    .filter(ObservabilityAndSecurityTest::isBackupMetric).collect(java.util.stream.Collectors.toSet());
            assertTrue(backupMetrics.size() >= 6, "the Backups row queries " + backupMetrics);
            java.util.concurrent.atomic.AtomicReference<Set<String>> missing = new java.util.concurrent.atomic.AtomicReference<>(backupMetrics);
            try {
                Await.until(Duration.ofSeconds(60), "the leader exports " + backupMetrics, () -> {
                    PrometheusText scrape = source.metrics(leader);
                    missing.set(backupMetrics.stream().filter(name -> !scrape.exports(name)).collect(java.util.stream.Collectors.toSet()));
                    return missing.get().isEmpty();
                });
            } catch (AssertionError e) {
                throw new AssertionError("the leader does not export " + missing.get() + ":\n" + source.metricsText(leader), e);
            }
        } finally {
            source.cluster.objectStorageOutage(false);
        }
        try (Connection c = source.connect(leader)) {
            awaitArchived(c);
        }

        // One restore to the end of the archive answers for the last three tests: it must hold every row written across
        // the crash failover and the switchover, and during the outage, and none of the table dropped before them.
        try (LocalClusterHarness latest = restore("latest")) {
            String member = latest.leader();
            assertEquals(300, count(latest, member, "continuity"),
                    "rows from before the crash, between the failover and the switchover, and after it");
            assertEquals(300, count(latest, member, "outage"), "every row written during the outage");
            assertEquals(-1, count(latest, member, "items"), "the end of the archive is after the DROP TABLE");
        }
    }

    @Test
    @Order(6)
    void verifyFindsADamagedObjectInTheRepository() throws Exception {
        CommandRun sound = CommandRun.of("backup", "verify", "--dir", source.cluster.dir().toString());
        assertEquals(0, sound.exit(), sound.err());
        assertTrue(sound.out().contains("the repository verified"), sound.out());

        Path archive = source.cluster.dir().resolve("platform/s3/objects/backups/pgmanager/" + source.file.app() + "/archive");
        List<Path> segments;
        try (Stream<Path> files = Files.walk(archive)) {
            segments = files.filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}-[0-9a-f]{40}\\.zst")).sorted().toList();
        }
        assertTrue(segments.size() >= 2, "two archived segments to damage: " + segments);
        // Two kinds of damage, as pgBackRest words them differently: bytes overwritten mid-file (the file may no longer
        // decompress, or decompress to other bytes, as the damage falls), and a well-formed file of the wrong content
        // (all zeros: it decompresses, and its checksum is wrong).
        Path garbled = segments.get(0);
        try (RandomAccessFile file = new RandomAccessFile(garbled.toFile(), "rw")) {
            file.seek(file.length() / 2);
            file.write(new byte[] {0x13, 0x37, 0x13, 0x37});
        }
        Path zeroed = segments.get(1);
        Files.write(zeroed, zstdFrameOfZeros(4 * 1024 * 1024)); // a segment of the cluster's size, 4 MB

        CommandRun damaged = CommandRun.of("backup", "verify", "--dir", source.cluster.dir().toString());
        assertEquals(1, damaged.exit(), damaged.out() + damaged.err());
        assertTrue(damaged.err().contains("the repository failed verification"), damaged.err());
        for (Path segment : List.of(garbled, zeroed)) {
            String segmentName = segment.getFileName().toString().substring(0, 24);
            assertTrue(damaged.err().contains(segmentName), "names the damaged segment " + segmentName + ": " + damaged.err());
        }
        assertTrue(damaged.err().contains("invalid checksum"), "says the zeroed segment's checksum is wrong: " + damaged.err());
    }

    /**
     * A valid zstd frame that decompresses to {@code length} zero bytes: run-length blocks of 128 KiB (RFC 8878: the
     * magic number, a header with a 128 KiB window and no content size or checksum, then 3-byte block headers).
     */
    private static byte[] zstdFrameOfZeros(int length) {
        int block = 128 * 1024;
        var frame = new ByteArrayOutputStream();
        frame.writeBytes(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00, 0x38});
        for (int done = 0; done < length; done += block) {
            int size = Math.min(block, length - done);
            int header = (size << 3) | (1 << 1) | (done + size >= length ? 1 : 0); // size, type 1 (RLE), last block
            frame.writeBytes(new byte[] {(byte) header, (byte) (header >> 8), (byte) (header >> 16), 0x00});
        }
        return frame.toByteArray();
    }

    private static LocalClusterHarness restore(String name, String... target) throws IOException {
        Path dir = newDirectory();
        restored.add(dir);
        List<String> args = new ArrayList<>(List.of("local", "restore", "--source-dir", source.cluster.dir().toString(), "--dir",
                dir.toString(), "--cluster", name));
        args.addAll(List.of(target));
        CommandRun run = CommandRun.of(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.out() + run.err());
        return LocalClusterHarness.adopt(dir);
    }

    /** Switches WAL and waits until the segment that holds everything written so far is in the repository. */
    private static void awaitArchived(Connection c) throws SQLException {
        String segment;
        try (Statement s = c.createStatement()) {
            segment = single(s, "SELECT pg_walfile_name(pg_switch_wal())");
        }
        Await.until(ARCHIVED, "segment " + segment + " is archived", quietly(() -> {
            try (Statement s = c.createStatement()) {
                String last = single(s, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
                return last.compareTo(segment) >= 0;
            }
        }));
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** A condition that is not met (yet) while asking it fails: a member restarting, a command refused. */
    private static java.util.function.BooleanSupplier quietly(Check check) {
        return () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                return false;
            }
        };
    }

    private static Set<String> labels() throws IOException {
        Set<String> labels = new java.util.HashSet<>();
        backups().forEach(backup -> labels.add(backup.path("label").asText()));
        return labels;
    }

    private static String now(String member) throws SQLException {
        try (Connection c = source.connect(member); Statement s = c.createStatement()) {
            return single(s, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        }
    }

    private static List<JsonNode> backups() throws IOException {
        CommandRun list = CommandRun.of("backup", "list", "--dir", source.cluster.dir().toString(), "-o", "json");
        if (list.exit() != 0) return List.of();
        List<JsonNode> all = new ArrayList<>();
        JSON.readTree(list.out()).path("backups").forEach(all::add);
        return all;
    }

    /** The member that leads once one other than {@code previous} does, as one reading of the cluster saw it. */
    private static String awaitLeaderOtherThan(String previous) {
        java.util.concurrent.atomic.AtomicReference<String> leader = new java.util.concurrent.atomic.AtomicReference<>("");
        Await.until(Duration.ofSeconds(60), "a member other than " + previous + " leads", () -> {
            try {
                leader.set(source.leader());
                return !leader.get().equals(previous);
            } catch (RuntimeException | AssertionError noLeaderYet) {
                return false;
            }
        });
        return leader.get();
    }

    /** Inserts on a member that leads, once its server has been promoted and takes writes. */
    private static void insertOnceWritable(String member, String... statements) {
        Await.until(Duration.ofSeconds(60), member + " takes writes", quietly(() -> {
            insert(member, statements);
            return true;
        }));
    }

    private static void insert(String member, String... statements) throws SQLException {
        try (Connection c = source.connect(member); Statement s = c.createStatement()) {
            for (String statement : statements) s.execute(statement);
        }
    }

    /** The table's row count, or -1 when it does not exist (or the member cannot be asked). */
    private static long count(LocalClusterHarness cluster, String member, String table) {
        try (Connection c = cluster.connect(member); Statement s = c.createStatement()) {
            return Long.parseLong(single(s, "SELECT count(*) FROM " + table));
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    private static Path newDirectory() throws IOException {
        Path dir = Files.createTempDirectory("pgmanager-restore-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
