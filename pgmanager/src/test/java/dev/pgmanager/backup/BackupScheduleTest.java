package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.config.BackupConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackupScheduleTest {
    private static final Instant NOW = Instant.parse("2026-12-10T12:00:00Z");
    private static final BackupConfig.Schedule SCHEDULE = BackupConfig.Schedule.DEFAULTS;

    private static BackupSet backup(String type, Duration ago) {
        Instant stopped = NOW.minus(ago);
        return new BackupSet("L" + ago.toHours(), type, type.equals("full") ? Optional.empty() : Optional.of("F"), stopped, stopped,
                "0/1", "0/2", "", "", 1, 1);
    }

    private static Optional<BackupType> due(BackupSet... backups) {
        return BackupSchedule.due(new RepositoryInfo("ok", 0, List.of(backups), Optional.empty(), Optional.empty()), NOW, SCHEDULE);
    }

    @Test
    void aFullBackupFirstAndWhenTheLastFullOneIsOlderThanItsInterval() {
        assertEquals(Optional.of(BackupType.FULL), due());
        assertEquals(Optional.of(BackupType.FULL), due(backup("full", Duration.ofDays(8)), backup("diff", Duration.ofHours(2))));
    }

    @Test
    void aDifferentialBackupWhenTheLastBackupIsOlderThanADay() {
        assertEquals(Optional.of(BackupType.DIFFERENTIAL), due(backup("full", Duration.ofDays(3)), backup("diff", Duration.ofHours(25))));
        assertEquals(Optional.of(BackupType.DIFFERENTIAL), due(backup("full", Duration.ofHours(25))));
    }

    @Test
    void nothingWhileTheLastBackupsAreRecentEnough() {
        assertEquals(Optional.empty(), due(backup("full", Duration.ofDays(3)), backup("diff", Duration.ofHours(3))));
        assertEquals(Optional.empty(), due(backup("full", Duration.ofHours(1))));
    }
}
