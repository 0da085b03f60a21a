package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.store.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The summary the leader publishes carries its facts as they are, and the schedule they are judged by. */
class BackupStatusTest {
    private static final Instant AT = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void theSummaryCarriesEveryFactAndTheArchiveTimeout() {
        BackupStatus status = new BackupStatus(Optional.of(AT), Optional.of("000000010000000000000007"), Optional.of(AT.plusSeconds(5)),
                Optional.of(AT.plusSeconds(10)), 4, Optional.of(AT.minusSeconds(3600)), Optional.of("20261203-110000F"),
                Optional.of(AT.minusSeconds(7200)), 2, 123_456, Optional.of("the bucket does not answer"));

        assertEquals(new Member.Backups(Optional.of(AT), Optional.of("000000010000000000000007"), Optional.of(AT.plusSeconds(5)),
                Optional.of(AT.plusSeconds(10)), 4, Optional.of(AT.minusSeconds(3600)), Optional.of("20261203-110000F"),
                Optional.of(AT.minusSeconds(7200)), 2, 123_456, Optional.of("the bucket does not answer"), 50_000, 86_400_000),
                status.summary(BackupConfig.Schedule.DEFAULTS));
    }

    @Test
    void theBackupIntervalIsTheShorterOfTheFullAndDifferentialOnes() {
        BackupConfig.Schedule fullOnly = new BackupConfig.Schedule(Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(7),
                Duration.ofSeconds(30));

        Member.Backups summary = BackupStatus.UNKNOWN.summary(fullOnly);

        assertEquals(Duration.ofHours(12).toMillis(), summary.backupIntervalMillis());
        assertEquals(30_000, summary.archiveTimeoutMillis());
    }
}
