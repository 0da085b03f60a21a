package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.postgres.PgCommandRunner;
import dev.pgmanager.postgres.CommandFailedException;
import dev.pgmanager.postgres.CommandResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds a data directory from a cluster's backups: checks that the repository can reach the target, has pgBackRest
 * restore the backup it starts from, replays the archive to the target with a private PostgreSQL (no TCP, its socket
 * in a directory of its own, archiving off, so that nothing of the source is reached or written), lets it end recovery
 * on a new timeline, and stops it. What is left is a stopped primary's data directory with no recovery settings: the
 * first member of a new cluster, as a fork's copy is. The source's repository is only read.
 */
public final class Restore {
    private static final Duration RESTORE_TIMEOUT = Duration.ofHours(24);
    /** The recovery settings pgBackRest writes into postgresql.auto.conf; the restored cluster must not keep them. */
    private static final List<String> RECOVERY_SETTINGS = List.of("restore_command", "recovery_target");

    private final BackupConfig.Repository source;
    private final String sourceStanza;
    private final OsUser osUser;
    private final PgBinaries binaries;
    private final Clock clock;

    /** @param source the source cluster's repository (its bucket and path); {@code sourceStanza} its app name */
    public Restore(BackupConfig.Repository source, String sourceStanza, OsUser osUser, PgBinaries binaries, Clock clock) {
        this.source = source;
        this.sourceStanza = sourceStanza;
        this.osUser = osUser;
        this.binaries = binaries;
        this.clock = clock;
    }

    /**
     * The backup a restore to {@code target} would start from, read from the repository without writing anything: for
     * refusing a target out of reach before anything else is set up.
     *
     * @throws BackupException when the repository has no backups of the source or none reaches the target
     */
    public BackupSet check(Optional<String> from, RecoveryTarget target) {
        Path workDir;
        try {
            // handed to the OS user by setUp, which pgBackRest runs as
            workDir = Files.createTempDirectory("pgmanager-restore-check-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory for reading the repository", e);
        }
        try {
            return startingPoint(setUp(workDir, workDir.resolve("data")).pgBackRest(), from, target);
        } finally {
            deleteQuietly(workDir);
        }
    }

    /**
     * Restores into {@code dataDir}, which must be missing or empty.
     *
     * @param from the backup to start from; empty: the newest one that can reach the target
     * @param workDir a private directory for pgBackRest's configuration and the recovering server's socket and log,
     *     removed when done (it holds the bucket's keys)
     * @return the backup it started from
     * @throws BackupException when the target is out of reach (before anything is written), or a step failed (the
     *     message names it; the half-restored directory is left for inspection)
     */
    public BackupSet into(Path dataDir, Optional<String> from, RecoveryTarget target, Path workDir, Consumer<String> progress) {
        requireEmpty(dataDir);
        requireEmpty(workDir);
        try {
            return restore(dataDir, from, target, workDir, progress);
        } finally {
            deleteQuietly(workDir);
        }
    }

    private BackupSet restore(Path dataDir, Optional<String> from, RecoveryTarget target, Path workDir, Consumer<String> progress) {
        BackupSetup setup = setUp(workDir, dataDir);
        Path sockets = workDir.resolve("run");
        PgBackRest pgBackRest = setup.pgBackRest();
        BackupSet start = startingPoint(pgBackRest, from, target);
        progress.accept("restoring backup " + start.label() + " (finished " + start.stopped() + ") of " + sourceStanza
                + ", then replaying the archive to " + target);
        osUser.createPrivateDirectory(dataDir);
        pgBackRest.restore(dataDir, start.label(), target, RESTORE_TIMEOUT);
        replayToTarget(dataDir, sockets, workDir.resolve("recovery.log"), target);
        removeRecoverySettings(dataDir);
        progress.accept("recovery reached " + target + " and ended on a new timeline");
        return start;
    }

    /** pgBackRest's configuration for reading the source's repository and filling {@code dataDir}, in {@code workDir}. */
    private BackupSetup setUp(Path workDir, Path dataDir) {
        osUser.createPrivateDirectory(workDir);
        Path sockets = workDir.resolve("run");
        osUser.createPrivateDirectory(sockets);
        BackupSetup setup = BackupSetup.of(source, BackupConfig.Schedule.DEFAULTS, sourceStanza, dataDir, 5432, sockets, osUser,
                workDir, Duration.ofSeconds(1), clock);
        setup.writeFiles(osUser);
        return setup;
    }

    private BackupSet startingPoint(PgBackRest pgBackRest, Optional<String> from, RecoveryTarget target) {
        RepositoryInfo info = pgBackRest.info();
        if (!info.stanzaExists()) {
            throw new BackupException("the repository " + source + " holds no backups of " + sourceStanza + " (" + info.status()
                    + "): check the source cluster's name and backup.path");
        }
        return RecoveryWindow.startingPoint(info, from, target, clock.instant());
    }

    /**
     * Starts the restored server privately (no TCP, archiving off) and waits until recovery has reached the target and
     * ended, then stops it cleanly. {@code pg_ctl start -w} returns as soon as the postmaster runs, which is long before
     * a restore's replay ends; the end shows as the server leaving recovery, and a replay that cannot reach its target
     * as the server exiting.
     */
    private void replayToTarget(Path dataDir, Path sockets, Path log, RecoveryTarget target) {
        PgCommandRunner runner = new PgCommandRunner(osUser);
        String pgCtl = binaries.tool("pg_ctl");
        String options = String.join(" ", "-c listen_addresses=''", "-c port=5432", "-c unix_socket_directories='" + sockets + "'",
                "-c archive_mode=off", "-c ssl=off", "-c cluster_name=restore");
        try {
            runner.runChecked(List.of(pgCtl, "-D", dataDir.toString(), "-l", log.toString(), "-w", "-t", "600", "-o", options,
                    "start"), Map.of(), Duration.ofMinutes(11));
        } catch (CommandFailedException e) {
            throw replayFailed(dataDir, log, target);
        }
        long deadline = System.nanoTime() + RESTORE_TIMEOUT.toNanos();
        while (true) {
            if (!runner.run(List.of(pgCtl, "-D", dataDir.toString(), "status"), Map.of(), Duration.ofSeconds(30), null).succeeded()) {
                throw replayFailed(dataDir, log, target);
            }
            CommandResult inRecovery = runner.run(List.of(binaries.tool("psql"), "-h", sockets.toString(), "-p", "5432", "-U",
                    osUser.name(), "-d", "postgres", "-Atc", "SELECT pg_is_in_recovery()"), Map.of(), Duration.ofSeconds(30), null);
            if (inRecovery.succeeded() && inRecovery.output().strip().equals("f")) break;
            if (System.nanoTime() > deadline) {
                throw new BackupException("replaying the archive to " + target + " did not end within " + RESTORE_TIMEOUT.toHours()
                        + " h; the restored directory " + dataDir + " is left as it is, for inspection");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException("interrupted while replaying the archive; " + dataDir + " is left as it is");
            }
        }
        runner.runChecked(List.of(pgCtl, "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "600", "stop"),
                Map.of(), Duration.ofMinutes(11));
        if (Files.exists(dataDir.resolve("recovery.signal")) || Files.exists(dataDir.resolve("standby.signal"))) {
            throw new BackupException("the restored server left recovery but " + dataDir + " still asks for recovery; it is left "
                    + "as it is, for inspection");
        }
    }

    private static BackupException replayFailed(Path dataDir, Path log, RecoveryTarget target) {
        return new BackupException("replaying the archive to " + target + " failed: " + lastLines(log)
                + " (the restored directory " + dataDir + " is left as it is, for inspection)");
    }

    private static String lastLines(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            List<String> all = lines.toList();
            return all.subList(Math.max(0, all.size() - 5), all.size()).stream().collect(Collectors.joining(" | "));
        } catch (IOException | UncheckedIOException e) {
            return "its log " + log + " cannot be read";
        }
    }

    private void removeRecoverySettings(Path dataDir) {
        Path autoConf = dataDir.resolve("postgresql.auto.conf");
        try {
            if (!Files.exists(autoConf)) return;
            String kept = Files.readAllLines(autoConf).stream()
                    .filter(line -> RECOVERY_SETTINGS.stream().noneMatch(line.strip()::startsWith))
                    .filter(line -> !line.startsWith("# Recovery settings generated by pgBackRest"))
                    .collect(Collectors.joining("\n", "", "\n"));
            osUser.writePrivateFile(autoConf, kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the recovery settings from " + autoConf, e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // nothing there, or nothing more that can be removed
        }
    }

    private static void requireEmpty(Path dir) {
        try {
            if (!Files.exists(dir)) return;
            if (!Files.isDirectory(dir)) throw new BackupException(dir + " is a file, not a directory");
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new BackupException(dir + " is not empty: a restore fills a new or empty directory (nothing in it "
                            + "was touched)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
