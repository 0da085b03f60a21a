package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.store.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How the cluster's backups stand, as the leader last saw them: what {@code /cluster}, {@code pgmanager list}, the
 * metrics and {@code doctor} report.
 *
 * @param lastArchivedAt    when PostgreSQL last archived a WAL segment (an idle server archives nothing, so its age
 *                          alone says little)
 * @param walWaitingSince   when the oldest WAL segment still waiting to be archived was completed (a lost volume would
 *                          lose it and all WAL after it); absent while none waits
 * @param archiveFailingSince the first failed attempt of the current incident; absent while archiving works
 * @param failedArchiveAttempts PostgreSQL's count of failed attempts since its statistics were reset
 * @param lastBackupAt      when the newest backup finished
 * @param oldestRecoveryPoint the earliest time a restore can reach (the oldest backup's end)
 * @param repositoryBytes   what the backups keep in the repository (compressed), WAL not counted
 * @param problem           what stops backups or archiving now, in words; absent when nothing does
 */
public record BackupStatus(Optional<Instant> lastArchivedAt, Optional<String> lastArchivedWal, Optional<Instant> walWaitingSince,
                           Optional<Instant> archiveFailingSince,
                           long failedArchiveAttempts, Optional<Instant> lastBackupAt, Optional<String> lastBackupLabel,
                           Optional<Instant> oldestRecoveryPoint, int backupCount, long repositoryBytes, Optional<String> problem) {
    public static final BackupStatus UNKNOWN = new BackupStatus(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
            0, Optional.empty(), Optional.empty(), Optional.empty(), 0, 0, Optional.empty());

    public Optional<Duration> archiveAge(Instant now) {
        return lastArchivedAt.map(at -> Duration.between(at, now));
    }

    public Optional<Duration> backupAge(Instant now) {
        return lastBackupAt.map(at -> Duration.between(at, now));
    }

    /**
     * What the leader publishes in its member record, with the schedule the judges of these facts need: the longest
     * a segment may take to be completed ({@code archive_timeout}), and the longest the schedule lets pass between two
     * backups (a differential one is due when the last backup of any kind is older than its interval, a full one when
     * the last full one is older than its own).
     */
    public Member.Backups summary(BackupConfig.Schedule schedule) {
        Duration backupInterval = schedule.fullEvery().compareTo(schedule.differentialEvery()) < 0
                ? schedule.fullEvery() : schedule.differentialEvery();
        return new Member.Backups(lastArchivedAt, lastArchivedWal, walWaitingSince, archiveFailingSince, failedArchiveAttempts,
                lastBackupAt, lastBackupLabel, oldestRecoveryPoint, backupCount, repositoryBytes, problem,
                schedule.archiveTimeout().toMillis(), backupInterval.toMillis());
    }

    BackupStatus withArchive(Optional<Instant> archivedAt, Optional<String> wal, Optional<Instant> waitingSince,
            Optional<Instant> failingSince, long failures) {
        return new BackupStatus(archivedAt, wal, waitingSince, failingSince, failures, lastBackupAt, lastBackupLabel,
                oldestRecoveryPoint, backupCount, repositoryBytes, problem);
    }

    BackupStatus withRepository(RepositoryInfo info) {
        long stored = info.backups().stream().mapToLong(BackupSet::storedBytes).sum();
        return new BackupStatus(lastArchivedAt, lastArchivedWal, walWaitingSince, archiveFailingSince, failedArchiveAttempts,
                info.latest().map(BackupSet::stopped), info.latest().map(BackupSet::label),
                info.backups().isEmpty() ? Optional.empty() : Optional.of(info.backups().getFirst().stopped()),
                info.backups().size(), stored, problem);
    }

    BackupStatus withProblem(Optional<String> problem) {
        return new BackupStatus(lastArchivedAt, lastArchivedWal, walWaitingSince, archiveFailingSince, failedArchiveAttempts,
                lastBackupAt, lastBackupLabel, oldestRecoveryPoint, backupCount, repositoryBytes, problem);
    }
}
