package dev.pgmanager.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.Member;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The backup metrics in the scrape: every member says whether it has backups, only the leader how they stand. */
class BackupMetricsTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final List<String> LEADER_ONLY = List.of("pgmanager_archive_last_success_timestamp_seconds",
            "pgmanager_archive_oldest_waiting_timestamp_seconds", "pgmanager_archive_failing", "pgmanager_archive_failed_attempts_total",
            "pgmanager_backup_last_success_timestamp_seconds", "pgmanager_backup_oldest_recovery_point_timestamp_seconds",
            "pgmanager_backup_count", "pgmanager_backup_repository_bytes", "pgmanager_backup_failing");

    @Test
    void theLeaderReportsHowBackupsStand() {
        Member.Backups backups = new Member.Backups(Optional.of(NOW.minusSeconds(12)), Optional.of("000000030000000000000042"),
                Optional.of(NOW.minusSeconds(5)), Optional.of(NOW.minusSeconds(600)), 7, Optional.of(NOW.minusSeconds(3 * 3600)),
                Optional.of("20261203-090000F"), Optional.of(NOW.minusSeconds(7 * 86400)), 5, 1_200_000_000,
                Optional.of("the bucket does not answer"), 60_000, 86_400_000);

        String scrape = scrape(true, Optional.of(backups));

        Map<String, Double> expected = Map.of(
                "pgmanager_backup_enabled", 1.0,
                "pgmanager_archive_last_success_timestamp_seconds", seconds(NOW.minusSeconds(12)),
                "pgmanager_archive_oldest_waiting_timestamp_seconds", seconds(NOW.minusSeconds(5)),
                "pgmanager_archive_failing", 1.0,
                "pgmanager_archive_failed_attempts_total", 7.0,
                "pgmanager_backup_last_success_timestamp_seconds", seconds(NOW.minusSeconds(3 * 3600)),
                "pgmanager_backup_oldest_recovery_point_timestamp_seconds", seconds(NOW.minusSeconds(7 * 86400)),
                "pgmanager_backup_count", 5.0,
                "pgmanager_backup_repository_bytes", 1.2e9,
                "pgmanager_backup_failing", 1.0);
        expected.forEach((name, value) -> assertEquals(OptionalDouble.of(value), value(scrape, name), name + " in\n" + scrape));
    }

    @Test
    void aLeaderWhoseArchivingWorksSaysSoAndLeavesOutWhatItHasNot() {
        Member.Backups fresh = new Member.Backups(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                Optional.empty(), Optional.empty(), Optional.empty(), 0, 0, Optional.empty(), 60_000, 86_400_000);

        String scrape = scrape(true, Optional.of(fresh));

        assertEquals(OptionalDouble.of(0), value(scrape, "pgmanager_archive_failing"));
        assertEquals(OptionalDouble.of(0), value(scrape, "pgmanager_backup_failing"));
        assertEquals(OptionalDouble.of(0), value(scrape, "pgmanager_backup_count"));
        assertEquals(OptionalDouble.empty(), value(scrape, "pgmanager_backup_last_success_timestamp_seconds"), "no backup yet");
        assertEquals(OptionalDouble.empty(), value(scrape, "pgmanager_archive_last_success_timestamp_seconds"), "nothing archived yet");
    }

    @Test
    void anotherMemberSaysOnlyWhetherItHasBackups() {
        String scrape = scrape(true, Optional.empty());

        assertEquals(OptionalDouble.of(1), value(scrape, "pgmanager_backup_enabled"));
        for (String name : LEADER_ONLY) assertEquals(OptionalDouble.empty(), value(scrape, name), name + " in\n" + scrape);
    }

    @Test
    void aMemberWithoutBackupsSaysSo() {
        assertEquals(OptionalDouble.of(0), value(scrape(false, Optional.empty()), "pgmanager_backup_enabled"));
    }

    private static String scrape(boolean enabled, Optional<Member.Backups> onTheLeader) {
        SidecarMetrics metrics = new SidecarMetrics(Clock.fixed(NOW, ZoneOffset.UTC));
        metrics.reportBackups(enabled, () -> onTheLeader);
        String text = metrics.scrapeText();
        assertTrue(text.contains("# TYPE pgmanager_backup_enabled gauge"), text);
        return text;
    }

    /** The value of the sample without labels named {@code name}, if the scrape has one. */
    private static OptionalDouble value(String scrape, String name) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(scrape);
        return sample.find() ? OptionalDouble.of(Double.parseDouble(sample.group(1))) : OptionalDouble.empty();
    }

    private static double seconds(Instant at) {
        return at.toEpochMilli() / 1e3;
    }
}
