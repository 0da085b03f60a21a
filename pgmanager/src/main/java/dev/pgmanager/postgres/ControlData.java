package dev.pgmanager.postgres;

import java.util.HashMap;
import java.util.Map;

/**
 * The parts of {@code pg_controldata}'s report pgmanager needs. Read from the control file, so it works
 * while the server is stopped, which is when the answers matter most (before rewind, before joining).
 *
 * @param systemIdentifier the cluster's identity, an unsigned 64-bit number; members of one cluster share it
 * @param clusterState     e.g. "shut down", "shut down in recovery", "in production", "in archive recovery"
 * @param checkpointTimeline the timeline of the latest checkpoint (or restartpoint on a replica)
 * @param crcMatches       whether the control file's CRC matched its contents: pg_controldata reports a mismatch as a
 *                         warning and prints the (untrustworthy) fields anyway
 * @param checkpointLocation where the latest checkpoint record starts: after a clean shutdown, the last record the
 *                         server wrote
 */
public record ControlData(long systemIdentifier, String clusterState, int checkpointTimeline, boolean crcMatches,
                          Lsn checkpointLocation) {

    /** The states a server leaves behind when it stopped or crashed; anything else means the file is not sane. */
    private static final java.util.Set<String> KNOWN_STATES = java.util.Set.of("starting up", "shut down",
            "shut down in recovery", "shutting down", "in crash recovery", "in archive recovery", "in production");

    /** Whether the state is one a PostgreSQL server writes (a clean stop or a crash at any point), not garbage. */
    public boolean stateIsKnown() {
        return KNOWN_STATES.contains(clusterState);
    }

    /** Whether the last shutdown was clean: pg_rewind needs that, and a crash leaves one of the other states. */
    public boolean shutDownCleanly() {
        return clusterState.equals("shut down") || clusterState.equals("shut down in recovery");
    }

    /**
     * Whether the data was last a primary's (running, stopped or crashed as one): such data may hold WAL that the
     * current leader never received, and must be rewound before it follows anyone.
     */
    public boolean lastRanAsPrimary() {
        return clusterState.equals("in production") || clusterState.equals("shut down") || clusterState.equals("shutting down");
    }

    /** Parses pg_controldata output (run with LC_ALL=C so the labels are the English ones). */
    static ControlData parse(String output) {
        Map<String, String> fields = new HashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        String id = require(fields, "Database system identifier", output);
        String state = require(fields, "Database cluster state", output);
        String timeline = require(fields, "Latest checkpoint's TimeLineID", output);
        boolean crcMatches = !output.contains("calculated CRC checksum does not match");
        Lsn checkpoint = Lsn.parse(require(fields, "Latest checkpoint location", output));
        return new ControlData(Long.parseUnsignedLong(id), state, Integer.parseInt(timeline), crcMatches, checkpoint);
    }

    private static String require(Map<String, String> fields, String label, String output) {
        String value = fields.get(label);
        if (value == null) {
            throw new PostgresException("pg_controldata output lacks '" + label + "':\n" + output);
        }
        return value;
    }
}
