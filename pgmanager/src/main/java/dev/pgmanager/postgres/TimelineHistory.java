package dev.pgmanager.postgres;

import java.util.HashMap;
import java.util.Map;

/**
 * A timeline history file ({@code pg_wal/<timeline>.history}): one line per earlier timeline,
 * {@code <tli> <switchpoint> <reason>}, the switchpoint being where that timeline ended and the next began.
 */
public final class TimelineHistory {
    private TimelineHistory() {}

    /** Each earlier timeline with the WAL position where it ended. */
    public static Map<Long, Lsn> switchpoints(String historyFile) {
        Map<Long, Lsn> switchpoints = new HashMap<>();
        for (String line : historyFile.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length < 2 || fields[0].isEmpty() || fields[0].startsWith("#")) continue;
            switchpoints.put(Long.parseLong(fields[0]), Lsn.parse(fields[1]));
        }
        return switchpoints;
    }
}
