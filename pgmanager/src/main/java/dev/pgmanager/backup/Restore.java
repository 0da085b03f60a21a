package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.postgres.PgCommandRunner;
import dev.pgmanager.postgres.CommandFailedException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
     * Restores into {@code dataDir}, which must be missing or empty.
     *
     * @param from the backup to start from; empty: the newest one that can reach the target
     * @param workDir a private directory for pgBackRest's configuration and the recovering server's socket and log
     * @return the backup it started from
     * @throws BackupException when the target is out of reach (before anything is written), or a step failed (the
     *     message names it; the half-restored directory is left for inspection)
     */
    public BackupSet into(Path dataDir, Optional<String> from, RecoveryTarget target, Path workDir, PrintStream progress) {
        requireEmpty(dataDir);
        osUser.createPrivateDirectory(workDir);
        Path sockets = workDir.resolve("run");
        osUser.createPrivateDirectory(sockets);
        BackupSetup setup = BackupSetup.of(source, BackupConfig.Schedule.DEFAULTS, sourceStanza, dataDir, 5432, sockets, osUser,
                workDir, Duration.ofSeconds(1), clock);
        setup.writeFiles(osUser);
        PgBackRest pgBackRest = setup.pgBackRest();
        RepositoryInfo info = pgBackRest.info();
        if (!info.stanzaExists()) {
            throw new BackupException("the repository " + source + " holds no backups of " + sourceStanza + " (" + info.status()
                    + "): check the source cluster's name and backup.path");
        }
        BackupSet start = RecoveryWindow.startingPoint(info, from, target, clock.instant());
        progress.println("restoring backup " + start.label() + " (finished " + start.stopped() + ") of " + sourceStanza
                + ", then replaying the archive to " + target);
        osUser.createPrivateDirectory(dataDir);
        pgBackRest.restore(dataDir, start.label(), target, RESTORE_TIMEOUT);
        replayToTarget(dataDir, sockets, workDir.resolve("recovery.log"), target);
        removeRecoverySettings(dataDir);
        progress.println("recovery reached " + target + " and ended on a new timeline");
        return start;
    }

    /**
     * Starts the restored server privately and waits until it is ready: with hot standby off it is ready only once
     * recovery has reached the target and promoted. Then stops it cleanly.
     */
    private void replayToTarget(Path dataDir, Path sockets, Path log, RecoveryTarget target) {
        PgCommandRunner runner = new PgCommandRunner(osUser);
        String options = String.join(" ", "-c listen_addresses=''", "-c port=5432", "-c unix_socket_directories='" + sockets + "'",
                "-c archive_mode=off", "-c ssl=off", "-c hot_standby=off", "-c cluster_name=restore");
        try {
            runner.runChecked(List.of(binaries.tool("pg_ctl"), "-D", dataDir.toString(), "-l", log.toString(), "-w", "-t",
                    Long.toString(RESTORE_TIMEOUT.toSeconds()), "-o", options, "start"), Map.of(), RESTORE_TIMEOUT.plusMinutes(1));
        } catch (CommandFailedException e) {
            throw new BackupException("replaying the archive to " + target + " failed: " + lastLines(log)
                    + " (the restored directory " + dataDir + " is left as it is, for inspection)");
        }
        runner.runChecked(List.of(binaries.tool("pg_ctl"), "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "600", "stop"),
                Map.of(), Duration.ofMinutes(11));
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
