package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecoveryWindowTest {
    private static final Instant NOW = Instant.parse("2026-12-10T12:00:00Z");
    private static final Duration WEEK = Duration.ofDays(7);

    private static BackupSet full(String label, String stoppedAt, String stopLsn) {
        Instant stopped = Instant.parse(stoppedAt);
        return new BackupSet(label, "full", Optional.empty(), stopped.minusSeconds(60), stopped, "0/1000028", stopLsn,
                "000000010000000000000001", "000000010000000000000002", 100, 10);
    }

    private static BackupSet diff(String label, String prior, String stoppedAt, String stopLsn) {
        Instant stopped = Instant.parse(stoppedAt);
        return new BackupSet(label, "diff", Optional.of(prior), stopped.minusSeconds(60), stopped, "0/1000028", stopLsn,
                "000000010000000000000001", "000000010000000000000002", 100, 1);
    }

    private static RepositoryInfo repository(List<BackupSet> backups, String archiveMax) {
        return new RepositoryInfo("ok", 0, backups, Optional.of("000000010000000000000001"), Optional.of(archiveMax));
    }

    @Test
    void theNewestFullBackupBeforeTheWindowStaysAndOlderOnesGo() {
        List<BackupSet> backups = List.of(
                full("A", "2026-11-20T00:00:00Z", "0/2000000"),
                diff("A_1", "A", "2026-11-21T00:00:00Z", "0/2100000"),
                full("B", "2026-11-27T00:00:00Z", "0/3000000"),
                diff("B_1", "B", "2026-12-02T00:00:00Z", "0/3100000"),
                full("C", "2026-12-04T00:00:00Z", "0/4000000"));
        // The window starts 2026-12-03T12:00: B (with B_1) is the newest full backup before it, and reaches its first
        // moments; A is older and no point of the window needs it. Its differential goes with it (pgBackRest removes it).
        assertEquals(List.of("A"), RecoveryWindow.expired(backups, NOW, WEEK));
    }

    @Test
    void nothingGoesWhileNoFullBackupIsOlderThanTheWindow() {
        List<BackupSet> backups = List.of(full("A", "2026-12-05T00:00:00Z", "0/2000000"), full("B", "2026-12-09T00:00:00Z", "0/3000000"));
        assertEquals(List.of(), RecoveryWindow.expired(backups, NOW, WEEK));
        assertEquals(List.of(), RecoveryWindow.expired(List.of(), NOW, WEEK));
    }

    @Test
    void aSingleOldFullBackupIsNeverRemoved() {
        assertEquals(List.of(), RecoveryWindow.expired(List.of(full("A", "2026-01-01T00:00:00Z", "0/2000000")), NOW, WEEK));
    }

    @Test
    void aTimeTargetStartsFromTheNewestBackupThatFinishedBeforeIt() {
        RepositoryInfo info = repository(List.of(full("A", "2026-12-01T00:00:00Z", "0/2000000"),
                diff("A_1", "A", "2026-12-05T00:00:00Z", "0/3000000"), full("B", "2026-12-08T00:00:00Z", "0/4000000")),
                "000000010000000000000009");
        assertEquals("A_1", RecoveryWindow.startingPoint(info, Optional.empty(),
                new RecoveryTarget.Time(Instant.parse("2026-12-06T00:00:00Z")), NOW).label());
        assertEquals("B", RecoveryWindow.startingPoint(info, Optional.empty(), new RecoveryTarget.Latest(), NOW).label());
        assertEquals("A", RecoveryWindow.startingPoint(info, Optional.of("A"), new RecoveryTarget.Latest(), NOW).label());
        assertEquals("A", RecoveryWindow.startingPoint(info, Optional.empty(), new RecoveryTarget.Transaction(727), NOW).label(),
                "a transaction's time is unknown: the oldest backup reaches every one of the window");
    }

    @Test
    void anLsnTargetStartsFromTheNewestBackupConsistentBeforeIt() {
        RepositoryInfo info = repository(List.of(full("A", "2026-12-01T00:00:00Z", "0/2000000"),
                full("B", "2026-12-08T00:00:00Z", "0/4000000")), "000000010000000000000009");
        assertEquals("A", RecoveryWindow.startingPoint(info, Optional.empty(), new RecoveryTarget.Position(Lsn.parse("0/3000000")),
                NOW).label());
    }

    @Test
    void targetsOutOfReachAreRefusedNamingWhy() {
        RepositoryInfo info = repository(List.of(full("A", "2026-12-01T00:00:00Z", "0/2000000")), "000000010000000000000005");
        BackupException early = assertThrows(BackupException.class, () -> RecoveryWindow.startingPoint(info, Optional.empty(),
                new RecoveryTarget.Time(Instant.parse("2026-11-30T00:00:00Z")), NOW));
        assertTrue(early.getMessage().contains("lies before what the repository can restore"), early.getMessage());
        BackupException future = assertThrows(BackupException.class, () -> RecoveryWindow.startingPoint(info, Optional.empty(),
                new RecoveryTarget.Time(NOW.plusSeconds(60)), NOW));
        assertTrue(future.getMessage().contains("is in the future"), future.getMessage());
        BackupException unarchived = assertThrows(BackupException.class, () -> RecoveryWindow.startingPoint(info, Optional.empty(),
                new RecoveryTarget.Position(Lsn.parse("0/9000000")), NOW));
        assertTrue(unarchived.getMessage().contains("after the end of the archive (0/6000000)"), unarchived.getMessage());
        BackupException unknown = assertThrows(BackupException.class, () -> RecoveryWindow.startingPoint(info, Optional.of("Z"),
                new RecoveryTarget.Latest(), NOW));
        assertTrue(unknown.getMessage().contains("no backup Z"), unknown.getMessage());
        BackupException none = assertThrows(BackupException.class, () -> RecoveryWindow.startingPoint(
                repository(List.of(), "000000010000000000000001"),
                Optional.empty(), new RecoveryTarget.Latest(), NOW));
        assertTrue(none.getMessage().contains("no backup to restore from"), none.getMessage());
    }

    @Test
    void aSegmentEndsOneSegmentSizeAfterItStarts() {
        assertEquals(Lsn.parse("0/6000000"), RecoveryWindow.segmentEnd("000000010000000000000005", 16L << 20));
        assertEquals(Lsn.parse("1/1000000"), RecoveryWindow.segmentEnd("000000020000000100000000", 16L << 20));
        assertEquals(Lsn.parse("0/1800000"), RecoveryWindow.segmentEnd("000000010000000000000005", 4L << 20));
    }

    @Test
    void theSegmentSizeIsTheOneThatPutsEachBackupsPositionsInTheSegmentsItNames() {
        assertEquals(Optional.of(16L << 20), RecoveryWindow.segmentSize(List.of(
                backup("0/6000060", "000000010000000000000006", "0/6000138", "000000010000000000000006"))));
        assertEquals(Optional.of(4L << 20), RecoveryWindow.segmentSize(List.of(
                backup("0/1800028", "000000010000000000000006", "0/1800100", "000000010000000000000006"))));
        assertEquals(Optional.of(1L << 30), RecoveryWindow.segmentSize(List.of(
                backup("1/40000028", "000000010000000100000001", "1/40000100", "000000010000000100000001"))));
        // in the first segment of a log every size fits: the next backup decides
        assertEquals(Optional.of(4L << 20), RecoveryWindow.segmentSize(List.of(
                backup("1/28", "000000010000000100000000", "1/100", "000000010000000100000000"),
                backup("1/C00028", "000000010000000100000003", "1/C00100", "000000010000000100000003"))));
        assertEquals(Optional.empty(), RecoveryWindow.segmentSize(List.of(
                backup("1/28", "000000010000000100000000", "1/100", "000000010000000100000000"))));
    }

    @Test
    void withFourMegabyteSegmentsATargetPastTheArchivesEndIsRefused() {
        RepositoryInfo info = new RepositoryInfo("ok", 0, List.of(
                backup("0/1800028", "000000010000000000000006", "0/1800100", "000000010000000000000006")),
                Optional.of("000000010000000000000006"), Optional.of("000000010000000000000007"));
        // segment 7 ends at 0/2000000 with 4 MB segments (it would end at 0/8000000 with 16 MB ones)
        assertEquals("0/1800100", RecoveryWindow.startingPoint(info, Optional.empty(),
                new RecoveryTarget.Position(Lsn.parse("0/1FFFFFF")), NOW).stopLsn());
        BackupException past = assertThrows(BackupException.class, () -> RecoveryWindow.startingPoint(info, Optional.empty(),
                new RecoveryTarget.Position(Lsn.parse("0/2000001")), NOW));
        assertTrue(past.getMessage().contains("after the end of the archive (0/2000000)"), past.getMessage());
    }

    private static BackupSet backup(String startLsn, String walStart, String stopLsn, String walStop) {
        return new BackupSet("20261206-000000F", "full", Optional.empty(), NOW.minusSeconds(60), NOW.minusSeconds(30),
                startLsn, stopLsn, walStart, walStop, 1, 1);
    }
}
