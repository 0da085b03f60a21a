package dev.pgmanager.cli;

import dev.pgmanager.backup.BackupException;
import dev.pgmanager.backup.BackupSet;
import dev.pgmanager.backup.RecoveryTarget;
import dev.pgmanager.backup.Restore;
import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.config.ConfigException;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code pgmanager restore}: a data directory for a new cluster, built from another cluster's backups. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Builds the data directory of a new cluster from a cluster's backups in object storage: to the end of the "
                    + "archive, or to a point in time, a WAL position or a transaction (point-in-time recovery). The source "
                    + "cluster and its repository are only read.",
            "Checks that the repository can reach the target before anything is written, restores the base backup it "
                    + "starts from with pgBackRest, replays the archived WAL with a private PostgreSQL (no network, "
                    + "archiving off) until the target, and ends recovery on a new timeline. Start a member of the new "
                    + "cluster (another app name) on the directory: it becomes its first member and leads; it never joins "
                    + "the source, and archives into a repository path of its own. For a local cluster: pgmanager local restore.",
            "The repository is read with the backup settings of --config and the environment, as the members read them "
                    + "(BUCKET_NAME, AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, backup.path).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the directory holds the restored cluster, stopped, ready for its first member",
            "1:the target is out of the repository's reach (nothing was written), or a step failed (the message says which)",
            "2:invalid command line or backup settings, or a --data-dir that is not empty (nothing was changed)",
        })
public final class RestoreCommand implements Callable<Integer> {
    @Option(names = "--source-cluster", required = true, paramLabel = "APP",
            description = "The cluster whose backups to restore (its app name).")
    String sourceCluster;

    @Option(names = "--cluster", required = true, paramLabel = "NEW_NAME",
            description = "The new cluster's name (its app): 1 to 63 lower-case letters, digits or '-', not the source's. "
                    + "Its first member, started on --data-dir, leads it and archives under its own repository path.")
    String name;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "Where to build the new cluster's data directory: missing or empty.")
    Path dataDir;

    @Option(names = "--from", defaultValue = "latest", paramLabel = "BACKUP",
            description = RestoreTargetOptions.BACKUP_CHOICE + " (default: ${DEFAULT-VALUE}).")
    String from;

    @Mixin
    RestoreTargetOptions restoreTarget = new RestoreTargetOptions();

    @Option(names = "--config", paramLabel = "FILE",
            description = "A member's config file to read the backup settings from (default: the environment only).")
    Path config;

    @Option(names = "--os-user", defaultValue = "postgres", paramLabel = "USER",
            description = "The OS user PostgreSQL runs as (default: ${DEFAULT-VALUE}).")
    String osUser;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            ValueParsers.appName(sourceCluster);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--source-cluster: " + e.getMessage());
        }
        try {
            ValueParsers.appName(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--cluster: " + e.getMessage());
        }
        if (name.equals(sourceCluster)) {
            throw new ParameterException(spec.commandLine(), "--cluster must name a new cluster, not the source (" + sourceCluster
                    + "): a restore never touches its source");
        }
        RecoveryTarget recoveryTarget = restoreTarget.recoveryTarget();
        BackupConfig.Repository repository;
        try {
            repository = SidecarConfigLoader.backupRepository(Optional.ofNullable(config), System.getenv(), sourceCluster);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        BackupSet start = restore(repository, sourceCluster, OsUser.named(osUser), Optional.empty(), dataDir.toAbsolutePath(),
                RestoreTargetOptions.backup(from), recoveryTarget);
        spec.commandLine().getOut().println("restored " + sourceCluster + " from backup " + start.label() + " into " + dataDir
                + " for the new cluster " + name + "; next, start its first member on it: pgmanager run with the cluster name "
                + name + " (FLY_APP_NAME or PGMANAGER_APP), the data directory " + dataDir + " (PGMANAGER_DATA_DIR), and the "
                + "source's superuser and replication passwords (the restored data holds its roles)");
        return 0;
    }

    private static boolean holdsFiles(Path dir) {
        try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Restores {@code sourceCluster}'s backups into {@code dataDir}, its progress on standard output; the backup it started from. */
    static BackupSet restore(BackupConfig.Repository repository, String sourceCluster, OsUser osUser, Optional<Path> binDir,
            Path dataDir, Optional<String> backup, RecoveryTarget target) {
        if (holdsFiles(dataDir)) {
            throw new IllegalArgumentException(dataDir + " is not empty: a restore fills a missing or empty directory, and "
                    + "never writes over one (nothing was changed)");
        }
        Path work = dataDir.resolveSibling(dataDir.getFileName() + ".restore");
        try {
            return new Restore(repository, sourceCluster, osUser, PgBinaries.locate(binDir), Clock.systemUTC())
                    .into(dataDir, backup, target, work, System.out::println);
        } catch (BackupException e) {
            throw new CommandFailed(e.getMessage(), e);
        }
    }
}
