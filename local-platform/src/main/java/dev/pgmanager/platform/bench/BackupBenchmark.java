package dev.pgmanager.platform.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.backup.RecoveryTarget;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.LocalRestore;
import dev.pgmanager.platform.LocalStatus;
import dev.pgmanager.platform.NewClusterSettings;
import dev.pgmanager.platform.bench.BackupFigures.Write;
import dev.pgmanager.postgres.Lsn;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.postgres.PgCommandRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Measures backups on one database, on a fresh local cluster with backups (its platform's S3 server): the database is
 * grown with {@code pgbench -i}; a full pgBackRest backup through the leader's API is timed end to end against
 * {@code pg_basebackup} of the same database to local disk; the latest backup is restored into a new cluster until its
 * member leads (and must hold the source's rows); then, under a writer inserting every 50 ms, the age of the newest
 * archived WAL is sampled every second, with what a lost volume would lose at that moment. Prints the figures with the
 * run's date and machine. The clusters live in a directory of their own, removed afterwards, even on failure.
 */
public final class BackupBenchmark {
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(180);
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(50);
    /** Long enough for a gigabytes-large database on a slow disk; the benchmark fails rather than hang past them. */
    private static final Duration GROW_LIMIT = Duration.ofHours(2);
    private static final Duration ARCHIVE_LIMIT = Duration.ofMinutes(30);
    private static final Duration BACKUP_LIMIT = Duration.ofHours(2);
    private static final Duration RESTORE_LIMIT = Duration.ofHours(2);
    private static final String RESTORED_NAME = "restored";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PGBACKREST_DURATION = Pattern.compile("backup command end: completed successfully \\((\\d+)ms\\)");

    /**
     * What one run measured.
     *
     * @param databaseBytes     the database as pgBackRest backed it up (its data directory, WAL not counted)
     * @param storedBytes       what that full backup keeps in the repository, compressed
     * @param repositoryBytes   the bucket's files for the cluster right after it: every backup and the archived WAL
     * @param archiveAgeMillis  now - pg_stat_archiver.last_archived_time, one sample a second under the writer
     * @param exposureMillis    at the same samples, the age of the oldest acknowledged write not yet archived
     * @param archiveLatencyMillis per archived segment, from its switch to its archiving
     */
    public record Result(long databaseBytes, long rows, Duration pgBackRest, Duration pgBasebackup, long storedBytes,
                         long repositoryBytes, Duration restore, Duration archiveTimeout, List<Long> archiveAgeMillis,
                         List<Long> exposureMillis, List<Long> archiveLatencyMillis) {}

    private final PrintStream out;
    private final OsUser osUser = OsUser.named("postgres");
    private final PgCommandRunner runner = new PgCommandRunner(osUser);
    private final PgBinaries binaries = PgBinaries.locate(Optional.empty());

    public BackupBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * Runs the benchmark in {@code work}, an empty directory the postgres user can traverse, and removes what it made
     * there (and {@code work} itself, when that leaves it empty).
     *
     * @param nodes the source cluster's members (the backups read the leader only)
     * @param scale pgbench's scale factor: about 15 MB of database each
     * @param rpo   how long the writer writes while the archive's lag is sampled
     */
    public Result run(Path work, int nodes, int scale, Duration rpo, boolean quick) throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String load = loadAverage();
        LocalCluster source = LocalCluster.at(work.resolve("source"));
        LocalCluster restored = LocalCluster.at(work.resolve(RESTORED_NAME));
        Path copies = work.resolve("pg_basebackup");
        AtomicBoolean tornDown = new AtomicBoolean();
        Runnable tearDown = () -> tearDown(tornDown, work, source, restored, copies);
        // An interrupted run (Ctrl-C) leaves no cluster behind either: the members run in sessions of their own.
        Thread onExit = Thread.ofPlatform().name("backup-bench-teardown").unstarted(tearDown);
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            out.printf("backup benchmark: a %d-member local cluster with backups (pgBackRest to its platform's S3 server), "
                    + "pgbench scale %d, a writer every %d ms for %d s%n", nodes, scale, WRITE_INTERVAL.toMillis(), rpo.toSeconds());
            source.up(nodes, NewClusterSettings.DEFAULTS, SETTLE_LIMIT, out);
            LocalClusterFile file = source.file().orElseThrow();
            Leader leader = leaderOf(source);
            // The leader's sidecar takes a full backup (of the empty database) as soon as it leads: let it finish, so that
            // the measured backup does not wait for it.
            FailoverBenchmark.await(() -> hasBackups(file, leader), "the leader's first backup");

            Grown grown = grow(file, leader, scale);
            Measured backup = backUp(file, leader, source);
            Duration basebackup = pgBasebackup(leader, copies);
            Repository repository = repository(source, file);
            printThroughput(backup, basebackup, repository);

            Duration restore = restore(source, restored, grown.rows());

            Rpo measured = rpo(file, leader, rpo);

            Result result = new Result(backup.databaseBytes(), grown.rows(), backup.elapsed(), basebackup, backup.storedBytes(),
                    repository.totalBytes(), restore, measured.archiveTimeout(), measured.ageMillis(), measured.exposureMillis(),
                    measured.latencyMillis());
            summarize(result, started, load, nodes, scale, quick);
            return result;
        } catch (Exception | Error e) {
            // Interrupted (Ctrl-C), the hook has removed everything already; a failure leaves its logs to read.
            if (!tornDown.get() && !shuttingDown()) keepLogs(work);
            throw e;
        } finally {
            tearDown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs, or ran, the same teardown
            }
        }
    }

    /** The leader and how to reach it: its address for SQL and the API, its socket for the tools run as the OS user. */
    private record Leader(String machineId, LocalMember member, Path socketDirectory, Path dataDirectory) {
        List<String> socketArguments(OsUser user) {
            return List.of("-h", socketDirectory.toString(), "-p", Integer.toString(member.pgPort()), "-U", user.name());
        }
    }

    private static Leader leaderOf(LocalCluster cluster) {
        String id = Optional.ofNullable(cluster.status().leader()).orElseThrow(() -> new IllegalStateException("the cluster has no leader"));
        LocalMember member = cluster.file().orElseThrow().member(id).orElseThrow();
        return new Leader(id, member, cluster.memberSocketDirectory(id), cluster.memberData(id));
    }

    private record Grown(long rows) {}

    /** pgbench -i, then every WAL segment it wrote archived, so that the backups after it have the machine to themselves. */
    private Grown grow(LocalClusterFile file, Leader leader, int scale) throws SQLException {
        Lsn before = currentLsn(file, leader);
        Instant start = Instant.now();
        List<String> pgbench = new ArrayList<>(List.of(binaries.tool("pgbench"), "-i", "-q", "-s", Integer.toString(scale)));
        pgbench.addAll(leader.socketArguments(osUser));
        pgbench.add("postgres");
        runner.runChecked(pgbench, Map.of(), GROW_LIMIT);
        Duration grew = Duration.between(start, Instant.now());
        long rows;
        long bytes;
        try (Connection c = FailoverBenchmark.connect(file, leader.machineId()); Statement s = c.createStatement()) {
            rows = single(s, "SELECT count(*) FROM pgbench_accounts");
            bytes = single(s, "SELECT pg_database_size(current_database())");
            s.execute("CHECKPOINT");
        }
        long walBytes = currentLsn(file, leader).bytesSince(before);
        Instant grown = Instant.now();
        awaitArchived(file, leader, switchWal(file, leader));
        out.printf("pgbench -i -s %d: %d rows in pgbench_accounts, database %s, grown in %s; its %s of WAL archived %s later%n",
                scale, rows, BackupFigures.size(bytes), BackupFigures.seconds(grew), BackupFigures.size(walBytes),
                BackupFigures.seconds(Duration.between(grown, Instant.now())));
        return new Grown(rows);
    }

    private record Measured(String label, long databaseBytes, long storedBytes, Duration elapsed) {}

    /** A full backup through the leader's API ({@code pgmanager backup create --type full}), timed until it answers. */
    private Measured backUp(LocalClusterFile file, Leader leader, LocalCluster source) throws InterruptedException {
        Instant start = Instant.now();
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(
                () -> post(file, leader, "/backups", "{\"type\": \"full\"}", BACKUP_LIMIT), r -> Thread.ofPlatform().daemon().start(r));
        JsonNode answer = whileLeading(call, source, leader, "the full backup");
        Duration elapsed = Duration.between(start, Instant.now());
        JsonNode backup = answer.path("backup");
        if (!"full".equals(backup.path("type").asText())) throw new IllegalStateException("the leader answered no full backup: " + answer);
        Measured measured = new Measured(backup.path("label").asText(), backup.path("database_bytes").asLong(),
                backup.path("stored_bytes").asLong(), elapsed);
        out.printf("pgBackRest full backup %s through the leader's API: %s of database in %s end to end%s; it stores %s%n",
                measured.label(), BackupFigures.size(measured.databaseBytes()), BackupFigures.seconds(elapsed),
                pgBackRestOwnTime(leader, source).map(ms -> " (pgBackRest's own log: " + BackupFigures.seconds(ms) + ")").orElse(""),
                BackupFigures.size(measured.storedBytes()));
        return measured;
    }

    /**
     * The answer of {@code call}, checking every few seconds that the leader still leads: a leader that fenced itself
     * (its store gone, say) stops its PostgreSQL, and pgBackRest would wait for it for a long time.
     */
    private static JsonNode whileLeading(CompletableFuture<JsonNode> call, LocalCluster cluster, Leader leader, String what)
            throws InterruptedException {
        while (true) {
            try {
                return call.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException stillRunning) {
                LocalStatus status = cluster.status();
                if (!leader.machineId().equals(status.leader())) {
                    throw new IllegalStateException(leader.machineId() + " stopped leading during " + what + " (" + status.summary()
                            + "); the platform's and the member's logs say why");
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /** The last backup's duration as pgBackRest logged it, beside the member's data directory; empty when not found. */
    private static Optional<Long> pgBackRestOwnTime(Leader leader, LocalCluster source) {
        Path logs = leader.dataDirectory().resolveSibling(leader.dataDirectory().getFileName() + ".pgmanager").resolve("pgbackrest")
                .resolve("log");
        Path log = logs.resolve(source.file().orElseThrow().app() + "-backup.log");
        try (Stream<String> lines = Files.lines(log)) {
            Optional<Long> last = Optional.empty();
            for (String line : (Iterable<String>) lines::iterator) {
                Matcher m = PGBACKREST_DURATION.matcher(line);
                if (m.find()) last = Optional.of(Long.parseLong(m.group(1)));
            }
            return last;
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** pg_basebackup of the leader to local disk, as the OS user over the socket, as pgBackRest connects; removed after. */
    private Duration pgBasebackup(Leader leader, Path copies) throws IOException {
        osUser.createPrivateDirectory(copies);
        Path target = copies.resolve("data");
        List<String> command = new ArrayList<>(List.of(binaries.tool("pg_basebackup"), "-D", target.toString(), "-Xs", "-c", "fast"));
        command.addAll(leader.socketArguments(osUser));
        Instant start = Instant.now();
        runner.runChecked(command, Map.of(), BACKUP_LIMIT);
        Duration elapsed = Duration.between(start, Instant.now());
        long bytes = treeSize(target);
        deleteTree(copies);
        out.printf("pg_basebackup -Xs -c fast to local disk: %s written in %s%n", BackupFigures.size(bytes), BackupFigures.seconds(elapsed));
        return elapsed;
    }

    private record Repository(long totalBytes, long backupBytes, long archiveBytes) {}

    /** The cluster's files in the platform's S3 server (a directory per bucket, the repository path under it). */
    private static Repository repository(LocalCluster source, LocalClusterFile file) throws IOException {
        Path root = source.objectStorageDirectory().resolve("objects").resolve(file.objectStorage().bucket()).resolve("pgmanager")
                .resolve(file.app());
        return new Repository(treeSize(root), treeSize(root.resolve("backup")), treeSize(root.resolve("archive")));
    }

    private void printThroughput(Measured backup, Duration basebackup, Repository repository) {
        double pgBackRest = BackupFigures.megabytesPerSecond(backup.databaseBytes(), backup.elapsed());
        double pgBaseBackup = BackupFigures.megabytesPerSecond(backup.databaseBytes(), basebackup);
        out.printf(Locale.ROOT, "base backup throughput over the %s database: pgBackRest to S3 %.1f MB/s, pg_basebackup to local "
                + "disk %.1f MB/s (pgBackRest / pg_basebackup = %.2f)%n", BackupFigures.size(backup.databaseBytes()), pgBackRest,
                pgBaseBackup, pgBackRest / pgBaseBackup);
        out.printf(Locale.ROOT, "repository after the backup: %s (backups %s, archived WAL %s); the full backup stores %s for %s, "
                        + "compression %.1fx%n", BackupFigures.size(repository.totalBytes()), BackupFigures.size(repository.backupBytes()),
                BackupFigures.size(repository.archiveBytes()), BackupFigures.size(backup.storedBytes()),
                BackupFigures.size(backup.databaseBytes()), (double) backup.databaseBytes() / backup.storedBytes());
    }

    /** {@code local restore} of the latest backup into a new cluster, timed until its member leads; its rows checked. */
    private Duration restore(LocalCluster source, LocalCluster restored, long sourceRows) throws IOException, SQLException {
        Instant start = Instant.now();
        LocalStatus status = new LocalRestore(source).into(restored.dir(), RESTORED_NAME, Optional.empty(), new RecoveryTarget.Latest(),
                RESTORE_LIMIT, out);
        Duration elapsed = Duration.between(start, Instant.now());
        long rows;
        try (Connection c = FailoverBenchmark.connect(restored.file().orElseThrow(), status.leader()); Statement s = c.createStatement()) {
            rows = single(s, "SELECT count(*) FROM pgbench_accounts");
        }
        if (rows != sourceRows) {
            throw new IllegalStateException("the restored cluster has " + rows + " rows in pgbench_accounts, the source " + sourceRows
                    + ": the restore does not give back the source's data");
        }
        out.printf("restore of the latest backup into a new cluster until its member leads: %s (pgbench_accounts: %d rows, as in "
                + "the source)%n", BackupFigures.seconds(elapsed), rows);
        restored.down(true);
        return elapsed;
    }

    private record Rpo(Duration archiveTimeout, List<Long> ageMillis, List<Long> exposureMillis, List<Long> latencyMillis) {}

    /** A segment seen archived: the position it ends at, when it was archived, and (for a forced switch) when it was switched. */
    private record Archived(Lsn end, Instant archivedAt, Optional<Instant> switchedAt) {}

    /**
     * Under a writer every 50 ms: the WAL is switched (and archived) once so that the run starts as after any archive, then
     * every second the age of the newest archived WAL and the age of the oldest acknowledged write past it are sampled.
     */
    private Rpo rpo(LocalClusterFile file, Leader leader, Duration duration) throws Exception {
        String url = new HostPort(leader.member().address(), leader.member().pgPort()).jdbcUrl("postgres");
        try (Connection c = FailoverBenchmark.connect(file, leader.machineId()); Statement s = c.createStatement();
                LsnWriter writer = new LsnWriter(url, "postgres", file.superuserPassword(), "bench_rpo", WRITE_INTERVAL)) {
            Duration archiveTimeout = Duration.ofSeconds(single(s, "SELECT setting::bigint FROM pg_settings WHERE name = 'archive_timeout'"));
            long segmentBytes = single(s, "SELECT pg_size_bytes(current_setting('wal_segment_size'))");
            FailoverBenchmark.await(() -> writer.acknowledgedCount() >= 20, "the writer's first writes (last error: " + writer.lastError() + ")");
            List<Archived> archived = new ArrayList<>();
            Instant switchedAt = Instant.now(); // at most a round trip early
            String forced = switchWal(file, leader);
            Archiver first = awaitArchived(file, leader, forced);
            archived.add(new Archived(BackupFigures.segmentEnd(forced, segmentBytes).orElseThrow(), first.archivedAt(), Optional.of(switchedAt)));
            Lsn archivedThrough = archived.getFirst().end();
            long failedBefore = first.failedCount();

            List<Long> ages = new ArrayList<>();
            List<Long> exposures = new ArrayList<>();
            Instant start = Instant.now();
            long failedAfter = failedBefore;
            for (int i = 1; i <= duration.toSeconds(); i++) {
                sleepUntil(start.plusSeconds(i));
                Archiver now = archiver(s);
                Instant at = Instant.now();
                failedAfter = now.failedCount();
                ages.add(now.ageMillis());
                Optional<Lsn> end = BackupFigures.segmentEnd(now.lastArchivedWal(), segmentBytes);
                if (end.isPresent() && end.get().isAfter(archivedThrough)) {
                    archivedThrough = end.get();
                    archived.add(new Archived(end.get(), now.archivedAt(), Optional.empty()));
                }
                exposures.add(BackupFigures.exposure(writer.acknowledged(), archivedThrough, at).toMillis());
            }
            writer.close();
            List<Write> writes = writer.acknowledged();
            List<Long> latencies = new ArrayList<>();
            for (Archived a : archived) {
                // A segment is switched away from just before the first write that lands past its end.
                Optional<Instant> switched = a.switchedAt().or(() -> BackupFigures.firstWritePast(writes, a.end()).map(Write::acknowledgedAt));
                switched.map(at -> Duration.between(at, a.archivedAt()).toMillis()).filter(ms -> ms >= 0).ifPresent(latencies::add);
            }
            out.printf("writer every %d ms for %d s: %d writes acknowledged, %d failed; %d segments archived (the first switched by "
                            + "hand), %d failed archive attempts%n", WRITE_INTERVAL.toMillis(), duration.toSeconds(), writes.size(),
                    writer.errors(), archived.size(), failedAfter - failedBefore);
            return new Rpo(archiveTimeout, ages, exposures, latencies);
        }
    }

    private record Archiver(String lastArchivedWal, Instant archivedAt, long ageMillis, long failedCount) {}

    private static Archiver archiver(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT last_archived_wal, last_archived_time, "
                + "(extract(epoch FROM now() - last_archived_time) * 1000)::bigint, failed_count FROM pg_stat_archiver")) {
            r.next();
            Timestamp at = r.getTimestamp(2);
            return new Archiver(r.getString(1), at == null ? Instant.EPOCH : at.toInstant(), at == null ? -1 : r.getLong(3), r.getLong(4));
        }
    }

    /** Switches to a new WAL segment; the name of the segment just completed (or of the last one, when nothing was written). */
    private static String switchWal(LocalClusterFile file, Leader leader) throws SQLException {
        try (Connection c = FailoverBenchmark.connect(file, leader.machineId()); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
            r.next();
            return r.getString(1);
        }
    }

    /** Waits until PostgreSQL has archived {@code segment} or a later one. */
    private static Archiver awaitArchived(LocalClusterFile file, Leader leader, String segment) throws SQLException {
        try (Connection c = FailoverBenchmark.connect(file, leader.machineId()); Statement s = c.createStatement()) {
            Instant deadline = Instant.now().plus(ARCHIVE_LIMIT);
            while (true) {
                Archiver archiver = archiver(s);
                String last = archiver.lastArchivedWal();
                if (last != null && last.length() == 24 && last.compareTo(segment) >= 0) return archiver;
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("WAL segment " + segment + " was not archived within " + ARCHIVE_LIMIT.toMinutes()
                            + " min (last archived: " + last + ", failed attempts: " + archiver.failedCount() + ")");
                }
                sleepUntil(Instant.now().plusMillis(100));
            }
        }
    }

    private static Lsn currentLsn(LocalClusterFile file, Leader leader) throws SQLException {
        try (Connection c = FailoverBenchmark.connect(file, leader.machineId()); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()")) {
            r.next();
            return Lsn.parse(r.getString(1));
        }
    }

    private static long single(Statement s, String query) throws SQLException {
        try (ResultSet r = s.executeQuery(query)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Whether the repository lists a backup; not yet, while the leader's sidecar cannot say. */
    private static boolean hasBackups(LocalClusterFile file, Leader leader) {
        try {
            return !post(file, leader, "/backups/list", "", Duration.ofMinutes(2)).path("backups").isEmpty();
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** POSTs to the leader's API with the cluster's token, as pgmanager backup does; the answer, or an exception saying why not. */
    private static JsonNode post(LocalClusterFile file, Leader leader, String path, String body, Duration timeout) {
        URI uri = URI.create("http://" + new HostPort(leader.member().address(), leader.member().apiPort()) + path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + file.apiToken())
                .header("Content-Type", "application/json")
                .POST(body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("POST " + path + " to the leader answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("POST " + path + " to the leader at " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void summarize(Result r, Instant started, String load, int nodes, int scale, boolean quick) throws IOException {
        double pgBackRest = BackupFigures.megabytesPerSecond(r.databaseBytes(), r.pgBackRest());
        double pgBaseBackup = BackupFigures.megabytesPerSecond(r.databaseBytes(), r.pgBasebackup());
        long timeout = r.archiveTimeout().toMillis();
        long goal = Duration.ofSeconds(60).toMillis();
        Optional<Long> maxLatency = BackupFigures.max(r.archiveLatencyMillis());
        Optional<Long> maxExposure = BackupFigures.max(r.exposureMillis());

        out.printf("pgmanager backup figures, %s on %s, load average %s at the start, %s run in %d s: %d-member cluster, "
                        + "pgbench scale %d%n", started, Figures.machine(), load, quick ? "a quick" : "a full",
                Duration.between(started, Instant.now()).toSeconds(), nodes, scale);
        line("database, as pgBackRest backed it up", BackupFigures.size(r.databaseBytes()) + " (" + r.rows() + " rows)");
        line("full backup, pgBackRest to S3", String.format(Locale.ROOT, "%.1f MB/s (%s end to end)", pgBackRest,
                BackupFigures.seconds(r.pgBackRest())));
        line("base backup, pg_basebackup to disk", String.format(Locale.ROOT, "%.1f MB/s (%s)", pgBaseBackup,
                BackupFigures.seconds(r.pgBasebackup())));
        line("pgBackRest / pg_basebackup", String.format(Locale.ROOT, "%.2f", pgBackRest / pgBaseBackup));
        line("repository after the backup", BackupFigures.size(r.repositoryBytes()) + String.format(Locale.ROOT,
                " (the full backup: %s, compression %.1fx)", BackupFigures.size(r.storedBytes()), (double) r.databaseBytes() / r.storedBytes()));
        line("restore until the member leads", BackupFigures.seconds(r.restore()) + " (rows checked)");
        line("RPO: newest archived WAL's age", medianAndMax(r.archiveAgeMillis()) + " over " + r.archiveAgeMillis().size()
                + " samples; goal <= 60 s");
        line("RPO: oldest unarchived write's age", medianAndMax(r.exposureMillis()) + " (what a lost volume would lose then)");
        line("archive latency (switch to archived)", r.archiveLatencyMillis().isEmpty() ? "(not measured)"
                : medianAndMax(r.archiveLatencyMillis()) + " over " + r.archiveLatencyMillis().size() + " segments");
        String worst = "<= archive_timeout " + BackupFigures.seconds(timeout) + maxLatency.map(l -> " + archive latency "
                + BackupFigures.seconds(l) + " = " + BackupFigures.seconds(timeout + l)).orElse(" + archive latency");
        line("a lost volume loses at worst", worst + "; goal <= 60 s: " + verdict(timeout + maxLatency.orElse(0L), goal));
        if (r.archiveAgeMillis().size() * 1000L < timeout + 5000) {
            out.printf("  (the writer ran %d s, less than archive_timeout: no segment was switched by the timeout, so the maxima above "
                    + "are below the worst case: --rpo-seconds 120, the default without --quick, reaches it)%n", r.archiveAgeMillis().size());
        } else {
            maxExposure.ifPresent(e -> out.printf("  (the largest loss seen at a sample: %s)%n", BackupFigures.seconds(e)));
        }
    }

    private static String verdict(long millis, long goal) {
        return millis <= goal ? "met" : "missed by " + BackupFigures.seconds(millis - goal);
    }

    private static String medianAndMax(List<Long> millis) {
        if (millis.isEmpty()) return "(no samples)";
        return "median " + BackupFigures.seconds(Figures.median(millis).orElseThrow()) + ", max "
                + BackupFigures.seconds(BackupFigures.max(millis).orElseThrow());
    }

    private void line(String what, String figure) {
        out.printf("  %-40s %s%n", what, figure);
    }

    /** Stops and removes both clusters and the copy, whatever state the run left them in; once. */
    private void tearDown(AtomicBoolean done, Path work, LocalCluster source, LocalCluster restored, Path copies) {
        if (!done.compareAndSet(false, true)) return;
        for (LocalCluster cluster : List.of(restored, source)) {
            try {
                if (Files.exists(cluster.dir())) cluster.down(true);
            } catch (IOException | RuntimeException e) {
                out.println("could not remove the cluster in " + cluster.dir() + ": " + e.getMessage());
            }
        }
        try {
            deleteTree(copies);
            try (Stream<Path> left = Files.list(work)) {
                if (left.findAny().isEmpty()) Files.delete(work);
            }
        } catch (IOException | RuntimeException e) {
            out.println("could not remove " + work + ": " + e.getMessage());
        }
    }

    /** The clusters' logs (sidecars, platforms, PostgreSQL, pgBackRest) outlive a failed run, beside its directory. */
    private void keepLogs(Path work) {
        Path kept = work.resolveSibling(work.getFileName() + "-logs");
        try (Stream<Path> files = Files.walk(work)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log") && Files.isRegularFile(p)).toList()) {
                Path target = kept.resolve(work.relativize(log));
                Files.createDirectories(target.getParent());
                Files.copy(log, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            out.println("the run failed: its logs are kept in " + kept);
        } catch (IOException | RuntimeException e) {
            out.println("could not keep the logs of " + work + ": " + e.getMessage());
        }
    }

    private static long treeSize(Path root) throws IOException {
        if (!Files.exists(root)) return 0;
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // gone meanwhile
                }
            }).sum();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Whether the JVM is exiting (a signal): it then refuses new shutdown hooks. */
    private static boolean shuttingDown() {
        Thread probe = Thread.ofPlatform().unstarted(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void sleepUntil(Instant at) {
        long millis = Duration.between(Instant.now(), at).toMillis();
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
