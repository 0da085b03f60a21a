package dev.pgmanager.ha;

import java.util.Optional;

/**
 * What the sidecar sees of its own PostgreSQL in one pass.
 *
 * @param data what the data directory holds
 * @param systemIdentifier the cluster's system identifier, when the directory holds one
 * @param running the server process is up and accepts connections
 * @param role primary or replica, when running
 * @param timeline the server's timeline (0 when unknown)
 * @param receivedPosition replica: last WAL received; primary: current write position (-1 unknown)
 * @param replayedPosition replica: last WAL replayed; primary: current write position (-1 unknown)
 * @param upstream the machine ID this server is configured to follow, if any
 * @param upstreamAddress the address ({@code hostaddr}) this server's primary_conninfo points at now; empty when it
 *     follows nobody or the address is unknown (then the follower re-points, to be sure)
 * @param streaming a replica's WAL receiver is streaming
 * @param lastRanAsPrimary a stopped server's data was last a primary's (it may hold WAL no one else has)
 * @param failedRewind why an operator's rejoin could not rewind this data, recorded until a rewind or re-clone succeeds;
 *     pg_rewind may have left the data half-rewound, so the server is not started while this is present
 */
public record LocalPostgres(
        DataState data,
        Optional<String> systemIdentifier,
        boolean running,
        ServerRole role,
        long timeline,
        long receivedPosition,
        long replayedPosition,
        Optional<String> upstream,
        Optional<String> upstreamAddress,
        boolean streaming,
        boolean lastRanAsPrimary,
        Optional<String> failedRewind) {

    /** A server with no failed rewind on record. */
    public LocalPostgres(DataState data, Optional<String> systemIdentifier, boolean running, ServerRole role, long timeline,
            long receivedPosition, long replayedPosition, Optional<String> upstream, Optional<String> upstreamAddress,
            boolean streaming, boolean lastRanAsPrimary) {
        this(data, systemIdentifier, running, role, timeline, receivedPosition, replayedPosition, upstream, upstreamAddress,
                streaming, lastRanAsPrimary, Optional.empty());
    }

    public enum DataState {
        /** Missing or empty: safe to initialize or clone into. */
        EMPTY,
        /** Holds a PostgreSQL cluster. */
        CLUSTER,
        /** Holds files that are not a PostgreSQL cluster: never touched. */
        FOREIGN
    }

    public enum ServerRole { PRIMARY, REPLICA, NONE }

    public static LocalPostgres empty() {
        return new LocalPostgres(DataState.EMPTY, Optional.empty(), false, ServerRole.NONE, 0, -1, -1, Optional.empty(), Optional.empty(),
                false, false);
    }

    public static LocalPostgres stopped(String systemIdentifier, long timeline, boolean lastRanAsPrimary) {
        return new LocalPostgres(DataState.CLUSTER, Optional.of(systemIdentifier), false, ServerRole.NONE, timeline, -1, -1,
                Optional.empty(), Optional.empty(), false, lastRanAsPrimary);
    }

    /** The same, with {@code reason} (or none) as the failed rewind on record. */
    public LocalPostgres withFailedRewind(Optional<String> reason) {
        return new LocalPostgres(data, systemIdentifier, running, role, timeline, receivedPosition, replayedPosition, upstream,
                upstreamAddress, streaming, lastRanAsPrimary, reason);
    }

    public boolean isPrimary() {
        return running && role == ServerRole.PRIMARY;
    }

    public boolean isReplica() {
        return running && role == ServerRole.REPLICA;
    }
}
