package dev.pgmanager.postgres;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One observation of the local server.
 *
 * @param timeline       the timeline the server is on (0 when stopped): see {@link StatusReader} for where
 *                       it comes from
 * @param currentWalLsn  primary: where WAL is being inserted ({@code pg_current_wal_lsn()})
 * @param flushedWalLsn  primary: how far WAL is durable ({@code pg_current_wal_flush_lsn()})
 * @param receivedLsn    replica: last WAL received and flushed from the upstream
 * @param replayedLsn    replica: last WAL applied
 * @param replicas       primary: the {@code pg_stat_replication} rows
 * @param walReceiver    replica: the {@code pg_stat_wal_receiver} row, absent while not streaming
 * @param pendingRestart the settings changed in the configuration files that the server applies only when it restarts
 *                       ({@code pg_settings.pending_restart}), by name
 * @param idleSlots      replica: the physical replication slots nobody streams through, by name (a standby's slots hold
 *                       its WAL too, and nothing moves an idle one on)
 * @param pastSwitchpoint replica: it replayed past where the newest timeline it knows of left its own, so it cannot
 *                       follow that timeline without a rewind
 */
public record PgStatus(
        PgRole role,
        int timeline,
        Optional<Lsn> currentWalLsn,
        Optional<Lsn> flushedWalLsn,
        Optional<Lsn> receivedLsn,
        Optional<Lsn> replayedLsn,
        List<ReplicationConnection> replicas,
        Optional<WalReceiverStatus> walReceiver,
        List<String> pendingRestart,
        List<String> idleSlots,
        Optional<PastSwitchpoint> pastSwitchpoint) {

    public PgStatus {
        Objects.requireNonNull(role, "role");
        replicas = List.copyOf(replicas);
        pendingRestart = List.copyOf(pendingRestart);
        idleSlots = List.copyOf(idleSlots);
    }

    public static PgStatus stopped() {
        return new PgStatus(PgRole.STOPPED, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), Optional.empty(), List.of(), List.of(), Optional.empty());
    }

    public boolean running() {
        return role != PgRole.STOPPED;
    }

    /** The replica connected under {@code applicationName} (a machine ID), if any. */
    public Optional<ReplicationConnection> replica(String applicationName) {
        return replicas.stream().filter(r -> r.applicationName().equals(applicationName)).findFirst();
    }
}
