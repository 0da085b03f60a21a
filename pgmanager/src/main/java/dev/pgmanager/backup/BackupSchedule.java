package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import java.time.Instant;
import java.util.Optional;

/** Which base backup is due now, if any: a pure rule over the repository's contents. */
public final class BackupSchedule {
    private BackupSchedule() {}

    /**
     * A full backup when there is none or the newest full one is older than {@code fullEvery}; else a differential one
     * when the newest backup of any kind is older than {@code differentialEvery}; else none.
     */
    public static Optional<BackupType> due(RepositoryInfo info, Instant now, BackupConfig.Schedule schedule) {
        Optional<BackupSet> full = info.latestFull();
        if (full.isEmpty() || full.get().stopped().plus(schedule.fullEvery()).isBefore(now)) {
            return Optional.of(BackupType.FULL);
        }
        BackupSet latest = info.latest().orElseThrow();
        if (latest.stopped().plus(schedule.differentialEvery()).isBefore(now)) {
            return Optional.of(BackupType.DIFFERENTIAL);
        }
        return Optional.empty();
    }
}
