package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a new cluster's first member does instead of creating an empty database when it is told to start from another
 * cluster's backups ({@code backup.restore_from}): the Fly way to a cluster restored from object storage, where a
 * machine starts its sidecar on an empty volume at once. Only the member that takes the lease of a cluster with no
 * identity gets here; the others clone it. A restore that fails is not tried again in the same life of the sidecar, and
 * never falls back to an empty database: the member waits, saying why, until an operator fixes the cause and restarts
 * it.
 */
public final class FirstBootRestore {
    private static final Logger log = LoggerFactory.getLogger(FirstBootRestore.class);

    private final Restore restore;
    private final BackupConfig.RestoreSource source;
    private final Path workDir;
    private volatile String failure;

    public FirstBootRestore(Restore restore, BackupConfig.RestoreSource source, Path workDir) {
        this.restore = restore;
        this.source = source;
        this.workDir = workDir;
    }

    /**
     * Fills the empty {@code dataDir} from the source's backups.
     *
     * @throws BackupException when it fails now or failed before in this life of the sidecar
     */
    public void into(Path dataDir) {
        if (failure != null) throw new BackupException(failure);
        RecoveryTarget target = source.targetTime().<RecoveryTarget>map(RecoveryTarget.Time::new).orElseGet(RecoveryTarget.Latest::new);
        log.info("this new cluster starts from the backups of {} ({}, to {}) instead of an empty database", source.cluster(),
                source.backup().map(label -> "backup " + label).orElse("the newest backup that reaches the target"), target);
        try {
            BackupSet start = restore.into(dataDir, source.backup(), target, workDir, line -> log.info("{}", line));
            log.info("restored {} from backup {}: this cluster now holds its data, on a timeline of its own", source.cluster(),
                    start.label());
        } catch (BackupException | IllegalStateException | java.io.UncheckedIOException e) {
            failure = "restoring the backups of " + source.cluster() + " failed: " + e.getMessage() + ". This member will not "
                    + "create an empty database instead; fix the cause (pgmanager backup list on " + source.cluster()
                    + ", backup.restore_* settings) and restart it";
            throw new BackupException(failure);
        }
    }
}
