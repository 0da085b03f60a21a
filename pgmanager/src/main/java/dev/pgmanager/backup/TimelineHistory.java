package dev.pgmanager.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A timeline's history file ({@code 00000003.history} in pg_wal): where each of its ancestors ended, so which of their
 * WAL segments are complete. Each line reads {@code <parent timeline> <switch point X/Y> <reason>}.
 */
record TimelineHistory(Map<Integer, Long> switchPoints) {
    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+)\\s+([0-9A-Fa-f]+)/([0-9A-Fa-f]+)\\b.*");
    private static final Pattern SEGMENT = Pattern.compile("([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})");

    TimelineHistory {
        switchPoints = Map.copyOf(switchPoints);
    }

    /** The history of {@code timeline} in {@code walDirectory}; timeline 1 has none and no ancestors. */
    static TimelineHistory of(Path walDirectory, int timeline) throws IOException {
        if (timeline <= 1) return new TimelineHistory(Map.of());
        Map<Integer, Long> ends = new HashMap<>();
        for (String line : Files.readAllLines(walDirectory.resolve(String.format("%08X.history", timeline)))) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) ends.put(Integer.parseInt(m.group(1)), (Long.parseLong(m.group(2), 16) << 32) | Long.parseLong(m.group(3), 16));
        }
        return new TimelineHistory(ends);
    }

    /** Where timeline {@code ancestor} ended, if it is an ancestor. */
    OptionalLong end(int ancestor) {
        Long end = switchPoints.get(ancestor);
        return end == null ? OptionalLong.empty() : OptionalLong.of(end);
    }

    /**
     * Whether the segment named {@code name}, of {@code segmentSize} bytes, belongs to an ancestor and lies wholly before
     * the point where that ancestor ended: the segment holding that point ends early (PostgreSQL archives it as
     * {@code .partial}), and a segment of a timeline that is not an ancestor is no part of this history.
     */
    boolean completeAncestorSegment(String name, long segmentSize) {
        Matcher m = SEGMENT.matcher(name);
        if (!m.matches() || segmentSize <= 0) return false;
        OptionalLong end = end(Integer.parseInt(m.group(1), 16));
        if (end.isEmpty()) return false;
        long segmentsPerId = 0x1_0000_0000L / segmentSize;
        long start = (Long.parseLong(m.group(2), 16) * segmentsPerId + Long.parseLong(m.group(3), 16)) * segmentSize;
        return start + segmentSize <= end.getAsLong();
    }
}
