package dev.pgmanager.ha;

import dev.pgmanager.net.MachineId;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the sidecar sees of its own PostgreSQL in one pass: its data directory, and the server when it runs.
 *
 * @param data what the data directory holds
 * @param systemIdentifier the cluster's system identifier, when the directory holds one
 * @param timeline the data's timeline (0 when unknown)
 * @param server the server, while its process is up and accepts connections
 * @param lastRanAsPrimary a stopped server's data was last a primary's (it may hold WAL no one else has)
 * @param failedRewind why an operator's rejoin could not rewind this data, recorded until a rewind or re-clone succeeds;
 *     pg_rewind may have left the data half-rewound, so the server is not started while this is present
 * @param fencedInEpoch the epoch of the lease this member held when its own fencing stopped this server (its lease in
 *     doubt), while the server has not run since; empty when an operator, a demotion or anything else stopped it
 * @param frozen the running server is frozen by this sidecar's lease reflex (its lease in doubt): it answers no query,
 *     and the reflex alone thaws it (the lease confirmed again) or stops it (the lease lost)
 */
public record LocalPostgres(
        DataState data,
        Optional<String> systemIdentifier,
        long timeline,
        Optional<Server> server,
        boolean lastRanAsPrimary,
        Optional<String> failedRewind,
        OptionalLong fencedInEpoch,
        boolean frozen) {

    public enum DataState {
        /** Missing or empty: safe to initialize or clone into. */
        EMPTY,
        /** Holds a PostgreSQL cluster. */
        CLUSTER,
        /** Holds files that are not a PostgreSQL cluster: never touched. */
        FOREIGN
    }

    public enum ServerRole { PRIMARY, REPLICA }

    /**
     * A replica's history that the newest timeline it knows of left behind: that timeline ended the replica's at
     * {@code switchpoint}, and the replica replayed on to {@code replayed} (WAL positions as numbers).
     */
    public record PastSwitchpoint(long timeline, long switchpoint, long replayed) {}

    /**
     * The running server.
     *
     * @param role primary or replica
     * @param wal how far its WAL got
     * @param following the member a replica is configured to follow, if any
     * @param streaming a replica's WAL receiver is streaming, and on a history it can follow
     * @param idleSlots a replica's physical replication slots that nobody streams through, by name
     * @param pastSwitchpoint a replica replayed past where the newest timeline it knows of left its own: it cannot follow
     *     that timeline without a rewind
     */
    public record Server(ServerRole role, WalPositions wal, Optional<Following> following, boolean streaming, List<String> idleSlots,
            Optional<PastSwitchpoint> pastSwitchpoint) {
        public Server {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(wal, "wal");
            Objects.requireNonNull(following, "following");
            idleSlots = List.copyOf(idleSlots);
            Objects.requireNonNull(pastSwitchpoint, "pastSwitchpoint");
        }

        public Server(ServerRole role, WalPositions wal, Optional<Following> following, boolean streaming) {
            this(role, wal, following, streaming, List.of(), Optional.empty());
        }

        /** The same, holding these idle slots. */
        public Server withIdleSlots(List<String> names) {
            return new Server(role, wal, following, streaming, names, pastSwitchpoint);
        }

        /** The same, a replica that replayed past the newest timeline's switchpoint: not streaming anything it can follow. */
        public Server withPastSwitchpoint(PastSwitchpoint past) {
            return new Server(role, wal, following, false, idleSlots, Optional.of(past));
        }

        /** A primary, which writes WAL: it has received and replayed all it wrote. */
        public static Server primary(OptionalLong written) {
            return new Server(ServerRole.PRIMARY, new WalPositions(written, written), Optional.empty(), false);
        }

        public static Server replica(WalPositions wal, Optional<Following> following, boolean streaming) {
            return new Server(ServerRole.REPLICA, wal, following, streaming);
        }
    }

    /**
     * How far a server's WAL got.
     *
     * @param received replica: last WAL received; primary: current write position
     * @param replayed replica: last WAL replayed; primary: current write position
     */
    public record WalPositions(OptionalLong received, OptionalLong replayed) {
        public static final WalPositions UNKNOWN = new WalPositions(OptionalLong.empty(), OptionalLong.empty());

        /** The furthest position known: what the server holds, whether or not it was replayed yet. */
        public OptionalLong furthest() {
            if (received.isEmpty()) return replayed;
            if (replayed.isEmpty()) return received;
            return OptionalLong.of(Math.max(received.getAsLong(), replayed.getAsLong()));
        }
    }

    /**
     * The member a replica follows, as its configuration says.
     *
     * @param leader the member's machine ID
     * @param address the address ({@code hostaddr}) primary_conninfo points at now; empty when unknown (then the
     *     follower re-points, to be sure)
     */
    public record Following(MachineId leader, Optional<InetAddress> address) {}

    public LocalPostgres {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(failedRewind, "failedRewind");
        Objects.requireNonNull(fencedInEpoch, "fencedInEpoch");
    }

    /** A missing or empty data directory. */
    public static LocalPostgres empty() {
        return new LocalPostgres(DataState.EMPTY, Optional.empty(), 0, Optional.empty(), false, Optional.empty(), OptionalLong.empty(),
                false);
    }

    /** A data directory of files that are not a PostgreSQL cluster. */
    public static LocalPostgres foreign() {
        return new LocalPostgres(DataState.FOREIGN, Optional.empty(), 0, Optional.empty(), false, Optional.empty(), OptionalLong.empty(),
                false);
    }

    public static LocalPostgres stopped(String systemIdentifier, long timeline, boolean lastRanAsPrimary) {
        return new LocalPostgres(DataState.CLUSTER, Optional.of(systemIdentifier), timeline, Optional.empty(), lastRanAsPrimary,
                Optional.empty(), OptionalLong.empty(), false);
    }

    public static LocalPostgres running(String systemIdentifier, long timeline, Server server) {
        return new LocalPostgres(DataState.CLUSTER, Optional.of(systemIdentifier), timeline, Optional.of(server), false,
                Optional.empty(), OptionalLong.empty(), false);
    }

    /** The same, with {@code reason} (or none) as the failed rewind on record. */
    public LocalPostgres withFailedRewind(Optional<String> reason) {
        return new LocalPostgres(data, systemIdentifier, timeline, server, lastRanAsPrimary, reason, fencedInEpoch, frozen);
    }

    /** The same, stopped by this sidecar's fencing while it held the lease of {@code epoch} (or not); only a stopped server can be. */
    public LocalPostgres withFencedInEpoch(OptionalLong epoch) {
        return new LocalPostgres(data, systemIdentifier, timeline, server, lastRanAsPrimary, failedRewind,
                server.isEmpty() ? epoch : OptionalLong.empty(), frozen);
    }

    /** The same, frozen by the lease reflex (or not); only a running server can be. */
    public LocalPostgres withFrozen(boolean isFrozen) {
        return new LocalPostgres(data, systemIdentifier, timeline, server, lastRanAsPrimary, failedRewind, fencedInEpoch,
                isFrozen && server.isPresent());
    }

    public boolean running() {
        return server.isPresent();
    }

    public boolean isPrimary() {
        return server.filter(s -> s.role() == ServerRole.PRIMARY).isPresent();
    }

    public boolean isReplica() {
        return server.filter(s -> s.role() == ServerRole.REPLICA).isPresent();
    }

    /** A replica's WAL receiver is streaming. */
    public boolean streaming() {
        return server.map(Server::streaming).orElse(false);
    }

    /** How far the running server's WAL got; unknown while it is down. */
    public WalPositions wal() {
        return server.map(Server::wal).orElse(WalPositions.UNKNOWN);
    }

    /** The member the running replica follows, if any. */
    public Optional<Following> following() {
        return server.flatMap(Server::following);
    }
}
