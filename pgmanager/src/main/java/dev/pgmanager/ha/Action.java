package dev.pgmanager.ha;

import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.Leader;
import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;

/**
 * One step the control loop decided to take. Actions of a decision run in order; a step that fails ends the pass,
 * so a later step (promote) never runs when an earlier one (take the lease) did not succeed.
 */
public sealed interface Action {

    /** Upkeep that changes no one's role: after it, the loop need not look again at once. */
    default boolean isUpkeep() {
        return false;
    }

    /** Take the leader lease. Fails when someone else got it first. */
    record AcquireLease() implements Action {}

    /** Give the lease up. */
    record ReleaseLease() implements Action {}

    /**
     * Delete the store's leader record that still names this member from a lease it no longer holds: the lease ran out
     * by this member's own deadlines while its store session lived on, so the record would stand for as long as the
     * member runs, and nobody, this member included, would take the lease. Deleted only if it is this session's.
     */
    record ReleaseStaleLease(Leader record) implements Action {}

    /**
     * Remove the leader record that cannot be read, being this session's or nobody's: until it is gone nobody can take
     * the lease (see {@code ClusterStore#removeUnreadableLeader}).
     */
    record RemoveUnreadableLeader() implements Action {}

    /**
     * Bring the server in line with the lease as it stands now, as the lease reflex does on each change of the lease:
     * freeze a primary whose lease is in doubt, let a frozen one go on once the lease is confirmed, kill a frozen one
     * whose lease is lost. The loop asks for it when it finds them out of line (a promotion that ended after the lease
     * came into doubt, a thaw or a kill that failed); paused or not, since it is fencing.
     */
    record ApplyLeaseReflex() implements Action {
        /** Asked for again each pass until the lease settles; the lease's own changes wake the loop, not this. */
        @Override
        public boolean isUpkeep() {
            return true;
        }
    }

    /** Create a new cluster in the empty data directory, start it as primary and record its identity. */
    record InitializeCluster() implements Action {}

    /** Record the local data's system identifier as the cluster's (the leader adopting data it was given). */
    record RecordIdentity() implements Action {}

    /** Fill the empty data directory with a base backup of {@code leader} and start streaming from it. */
    record CloneFrom(MachineId leader) implements Action {}

    /** Start the server as it is: we lead, so it is the primary. */
    record StartAsPrimary() implements Action {}

    /** Start the server as a replica of {@code leader}, or as a replica waiting for one when nobody leads yet. */
    record StartAsReplica(Optional<MachineId> leader) implements Action {}

    /** Turn the local replica into the primary. */
    record Promote() implements Action {}

    /**
     * The leader of a standby cluster: start the server (empty: point the running one) as a replica of the primary
     * outside the cluster that the spec names ({@code standbyOf}).
     */
    record FollowSource(ClusterSpec.Source source, boolean start) implements Action {}

    /**
     * Point the local replica at {@code leader} (rewrites primary_conninfo and reloads), at the {@code address} its name
     * resolved to when the decision was taken: the one the decision compared and logged, not a second lookup.
     */
    record Follow(MachineId leader, InetAddress address) implements Action {}

    /**
     * Stop accepting writes now and become a replica of {@code leader} (empty: nobody leads yet), rewinding first
     * when the timelines diverged.
     */
    record Demote(Optional<MachineId> leader) implements Action {}

    /** Rewind the diverged local data to {@code leader}'s history and follow it; re-clone if rewind fails. */
    record Rewind(MachineId leader) implements Action {}

    /** Planned switchover: stop cleanly so every replica has all WAL, then give the lease to {@code target}. */
    record HandOver(MachineId target) implements Action {}

    /** Keep a replication slot for each of {@code members}; drop slots of members not listed. */
    record KeepSlots(Set<MachineId> members) implements Action {
        public KeepSlots {
            members = Set.copyOf(members);
        }

        @Override
        public boolean isUpkeep() {
            return true;
        }
    }

    /**
     * Drop these idle slots of a replica: members' slots left from when it led (or from a promotion that did not happen).
     * Nobody streams through them, so nothing moves them on, and a standby keeps every WAL segment since their position.
     */
    record DropIdleSlots(Set<String> names) implements Action {
        public DropIdleSlots {
            names = Set.copyOf(names);
        }

        @Override
        public boolean isUpkeep() {
            return true;
        }
    }

    /**
     * Record in the store (fenced on the lease) that every acknowledged write is on at least {@code quorum} of
     * {@code standbys}: only they may then be promoted in a failover.
     */
    record WriteSyncState(Set<String> standbys, int quorum) implements Action {
        public WriteSyncState {
            standbys = Set.copyOf(standbys);
        }
    }

    /** Remove the synchronous-replication record: this leader runs asynchronously. */
    record ClearSyncState() implements Action {}

    /** Set the local server's {@code synchronous_standby_names} (and reload). */
    record SetStandbyNames(StandbyNames names) implements Action {}

    /** Remove the pending switchover or failover request, carried out or cancelled. */
    record ClearHandover(Outcome outcome) implements Action {
        public static ClearHandover completed() {
            return new ClearHandover(new Completed());
        }

        /** @param why one sentence for the cluster's history */
        public static ClearHandover cancelled(String why) {
            return new ClearHandover(new Cancelled(why));
        }

        /** What became of the request: only a cancelled one is recorded in the history (a completed one is a promotion). */
        public sealed interface Outcome {}

        public record Completed() implements Outcome {}

        public record Cancelled(String why) implements Outcome {}
    }
}
