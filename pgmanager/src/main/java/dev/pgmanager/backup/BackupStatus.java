package dev.pgmanager.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How the cluster's backups stand, as the leader last saw them: what {@code /cluster}, {@code pgmanager list}, the
 * metrics and {@code doctor} report.
 *
 * @param lastArchivedAt    when PostgreSQL last archived a WAL segment; its age is the data a lost volume would lose
 * @param archiveFailingSince the first failed attempt of the current incident; absent while archiving works
 * @param failedArchiveAttempts PostgreSQL's count of failed attempts since its statistics were reset
 * @param lastBackupAt      when the newest backup finished
 * @param oldestRecoveryPoint the earliest time a restore can reach (the oldest backup's end)
 * @param repositoryBytes   what the backups keep in the repository (compressed), WAL not counted
 * @param problem           what stops backups or archiving now, in words; absent when nothing does
 */
public record BackupStatus(Optional<Instant> lastArchivedAt, Optional<String> lastArchivedWal, Optional<Instant> archiveFailingSince,
                           long failedArchiveAttempts, Optional<Instant> lastBackupAt, Optional<String> lastBackupLabel,
                           Optional<Instant> oldestRecoveryPoint, int backupCount, long repositoryBytes, Optional<String> problem) {
    public static final BackupStatus UNKNOWN = new BackupStatus(Optional.empty(), Optional.empty(), Optional.empty(), 0,
            Optional.empty(), Optional.empty(), Optional.empty(), 0, 0, Optional.empty());

    public Optional<Duration> archiveAge(Instant now) {
        return lastArchivedAt.map(at -> Duration.between(at, now));
    }

    public Optional<Duration> backupAge(Instant now) {
        return lastBackupAt.map(at -> Duration.between(at, now));
    }

    BackupStatus withArchive(Optional<Instant> archivedAt, Optional<String> wal, Optional<Instant> failingSince, long failures) {
        return new BackupStatus(archivedAt, wal, failingSince, failures, lastBackupAt, lastBackupLabel, oldestRecoveryPoint,
                backupCount, repositoryBytes, problem);
    }

    BackupStatus withRepository(RepositoryInfo info) {
        long stored = info.backups().stream().mapToLong(BackupSet::storedBytes).sum();
        return new BackupStatus(lastArchivedAt, lastArchivedWal, archiveFailingSince, failedArchiveAttempts,
                info.latest().map(BackupSet::stopped), info.latest().map(BackupSet::label),
                info.backups().isEmpty() ? Optional.empty() : Optional.of(info.backups().getFirst().stopped()),
                info.backups().size(), stored, problem);
    }

    BackupStatus withProblem(Optional<String> problem) {
        return new BackupStatus(lastArchivedAt, lastArchivedWal, archiveFailingSince, failedArchiveAttempts, lastBackupAt,
                lastBackupLabel, oldestRecoveryPoint, backupCount, repositoryBytes, problem);
    }
}
