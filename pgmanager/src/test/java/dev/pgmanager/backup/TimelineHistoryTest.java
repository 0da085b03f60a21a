package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineHistoryTest {
    private static final long MB16 = 16L << 20;

    @TempDir
    Path walDirectory;

    @Test
    void onlySegmentsWhollyBeforeTheirTimelinesEndCount() throws Exception {
        // as PostgreSQL writes it for timeline 3: timeline 1 ended in segment 5, timeline 2 in segment 0x1_09
        Files.writeString(walDirectory.resolve("00000003.history"),
                "1\t0/5000060\tno recovery target specified\n\n2\t1/90000A0\tno recovery target specified\n");
        TimelineHistory history = TimelineHistory.of(walDirectory, 3);

        assertEquals(OptionalLong.of(0x5000060L), history.end(1));
        assertEquals(OptionalLong.of(0x1_090000A0L), history.end(2));
        assertTrue(history.completeAncestorSegment("000000010000000000000004", MB16));
        assertFalse(history.completeAncestorSegment("000000010000000000000005", MB16), "where timeline 1 ended: partial");
        assertTrue(history.completeAncestorSegment("000000020000000000000005", MB16));
        assertFalse(history.completeAncestorSegment("0000000200000001000000FF", MB16), "past timeline 2's end");
        assertTrue(history.completeAncestorSegment("000000020000000100000008", MB16));
        assertFalse(history.completeAncestorSegment("000000020000000100000009", MB16), "where timeline 2 ended: partial");
        assertFalse(history.completeAncestorSegment("000000030000000100000009", MB16), "the current timeline's own");
        assertFalse(history.completeAncestorSegment("000000040000000000000001", MB16), "no ancestor");
        assertFalse(history.completeAncestorSegment("00000001000000000000000.partial", MB16));
        assertFalse(history.completeAncestorSegment("000000010000000000000004", 0), "a file gone since it was listed");
        // 1 MB segments (initdb --wal-segsize=1): 4096 to an xlogid
        assertTrue(history.completeAncestorSegment("000000010000000000000004", 1L << 20));
        assertFalse(history.completeAncestorSegment("000000010000000000000050", 1L << 20));
    }

    @Test
    void theFirstTimelineHasNoAncestors() throws Exception {
        TimelineHistory history = TimelineHistory.of(walDirectory, 1);
        assertFalse(history.completeAncestorSegment("000000010000000000000004", MB16));
    }
}
