package dev.pgmanager.platform.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgmanager.platform.bench.BackupFigures.Write;
import dev.pgmanager.postgres.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackupFiguresTest {
    private static final long MB16 = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void aSegmentEndsWhereTheNextOneStarts() {
        assertEquals(Optional.of(Lsn.parse("0/2000000")), BackupFigures.segmentEnd("000000010000000000000001", MB16));
        assertEquals(Optional.of(Lsn.parse("0/E000000")), BackupFigures.segmentEnd("00000001000000000000000D", MB16));
        // the last segment of a log id ends where the next log id starts; the timeline does not count
        assertEquals(Optional.of(Lsn.parse("B/0")), BackupFigures.segmentEnd("000000030000000A000000FF", MB16));
        // 64 MB segments: 64 of them to a log id (4 GB)
        assertEquals(Optional.of(Lsn.parse("1/8000000")), BackupFigures.segmentEnd("000000010000000100000001", 64L * 1024 * 1024));
    }

    @Test
    void filesOtherThanSegmentsSayNothingOfWhereTheArchiveEnds() {
        assertEquals(Optional.empty(), BackupFigures.segmentEnd("000000010000000000000002.00000028.backup", MB16));
        assertEquals(Optional.empty(), BackupFigures.segmentEnd("00000002.history", MB16));
        assertEquals(Optional.empty(), BackupFigures.segmentEnd("000000010000000000000005.partial", MB16));
        assertEquals(Optional.empty(), BackupFigures.segmentEnd(null, MB16));
        assertThrows(IllegalArgumentException.class, () -> BackupFigures.segmentEnd("000000010000000000000001", 3_000_000));
    }

    @Test
    void aLostVolumeLosesFromTheOldestWritePastTheArchive() {
        List<Write> writes = List.of(new Write(T0, Lsn.parse("0/1FFFF00")), new Write(T0.plusMillis(50), Lsn.parse("0/2000100")),
                new Write(T0.plusMillis(100), Lsn.parse("0/2000200")));
        Lsn archived = Lsn.parse("0/2000000");
        assertEquals(Duration.ofMillis(950), BackupFigures.exposure(writes, archived, T0.plusSeconds(1)));
        assertEquals(Optional.of(writes.get(1)), BackupFigures.firstWritePast(writes, archived));
    }

    @Test
    void nothingIsLostWhenEveryWriteIsArchived() {
        List<Write> writes = List.of(new Write(T0, Lsn.parse("0/1000100")));
        assertEquals(Duration.ZERO, BackupFigures.exposure(writes, Lsn.parse("0/2000000"), T0.plusSeconds(5)));
        assertEquals(Duration.ZERO, BackupFigures.exposure(List.of(), Lsn.parse("0/2000000"), T0));
    }

    @Test
    void throughputIsInMegabytesOfTenToTheSixthASecond() {
        assertEquals(50.0, BackupFigures.megabytesPerSecond(100_000_000, Duration.ofSeconds(2)), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> BackupFigures.megabytesPerSecond(1, Duration.ZERO));
    }

    @Test
    void sizesAndSecondsReadAsTheBackupListPrintsThem() {
        assertEquals("180.2 MB", BackupFigures.size(180_212_345));
        assertEquals("1.05 GB", BackupFigures.size(1_050_000_000));
        assertEquals("60.5 s", BackupFigures.seconds(60_490));
        assertEquals("3.8 s", BackupFigures.seconds(Duration.ofMillis(3_800)));
    }
}
