package dev.pgmanager.sidecar.loop;

import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Writes this member's record. Other members judge liveness by its age, so it is rewritten at least once per
 * {@code refreshEvery}; in between only when something in it changed, because every write wakes every other
 * member's loop.
 */
public final class MemberRecords {
    private final ClusterStore store;
    private final String machineId;
    private final String region;
    private final Member.Tags tags;
    private final int databasePort;
    private final int apiPort;
    private final BooleanSupplier diskFull;
    private final Supplier<Optional<Member.Backups>> backups;
    private final Supplier<Optional<Member.BackupSource>> backupSource;
    private final Supplier<java.util.List<String>> pendingRestart;
    private final Duration refreshEvery;
    private Member lastPublished;

    public MemberRecords(ClusterStore store, String machineId, String region, Member.Tags tags, int databasePort, int apiPort,
            BooleanSupplier diskFull, Supplier<Optional<Member.Backups>> backups, Supplier<Optional<Member.BackupSource>> backupSource,
            Supplier<java.util.List<String>> pendingRestart, Duration refreshEvery) {
        this.pendingRestart = pendingRestart;
        this.store = store;
        this.machineId = machineId;
        this.region = region;
        this.tags = tags;
        this.databasePort = databasePort;
        this.apiPort = apiPort;
        this.diskFull = diskFull;
        this.backups = backups;
        this.backupSource = backupSource;
        this.refreshEvery = refreshEvery;
    }

    Member describe(LocalPostgres local, boolean leading, Instant now) {
        // The store's record keeps -1 for a position that is not known. Only the leader archives and takes backups: what
        // another member's keeper last saw, from an earlier term, is no longer the cluster's.
        return new Member(machineId, region, role(local), state(local, leading), local.timeline(), local.wal().received().orElse(-1),
                local.wal().replayed().orElse(-1), tags, databasePort, apiPort, diskFull.getAsBoolean(),
                leading ? backups.get() : Optional.empty(), backupSource.get(), pendingRestart.get(), now);
    }

    void publish(Member member) {
        if (lastPublished != null
                && sameContent(lastPublished, member)
                && lastPublished.updatedAt().plus(refreshEvery).isAfter(member.updatedAt())) {
            return;
        }
        store.touchMember(member);
        lastPublished = member;
    }

    /** Has the next {@link #publish} write the record even if unchanged: the stored one could not be read. */
    void publishAgain() {
        lastPublished = null;
    }

    private static boolean sameContent(Member a, Member b) {
        return a.role() == b.role() && a.state() == b.state() && a.timeline() == b.timeline() && a.diskFull() == b.diskFull()
                && a.backups().equals(b.backups()) && a.backupSource().equals(b.backupSource())
                && a.receivedPosition() == b.receivedPosition() && a.replayedPosition() == b.replayedPosition();
    }

    private static MemberRole role(LocalPostgres local) {
        if (local.isPrimary()) return MemberRole.PRIMARY;
        if (local.isReplica()) return MemberRole.REPLICA;
        return switch (local.data()) {
            case EMPTY -> MemberRole.INITIALIZING;
            case CLUSTER -> MemberRole.STOPPED;
            case FOREIGN -> MemberRole.UNKNOWN;
        };
    }

    private static MemberState state(LocalPostgres local, boolean leading) {
        if (local.isPrimary()) return leading ? MemberState.RUNNING : MemberState.RUNNING_WITHOUT_LEASE;
        if (local.isReplica()) return local.streaming() ? MemberState.STREAMING : MemberState.RUNNING;
        return switch (local.data()) {
            case EMPTY -> MemberState.NO_DATA;
            case CLUSTER -> local.failedRewind().isPresent() ? MemberState.STOPPED_AFTER_FAILED_REWIND : MemberState.STOPPED;
            case FOREIGN -> MemberState.FOREIGN_DATA;
        };
    }
}
