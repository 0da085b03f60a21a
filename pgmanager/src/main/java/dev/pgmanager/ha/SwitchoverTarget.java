package dev.pgmanager.ha;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether a member may take over from the leader in a switchover, by what the store and the leader's server say. The
 * leader applies it before handing over, with its own server's timeline and position; an operator's request is
 * checked with it up front, with the leader's published record, so that a target the leader would refuse is refused
 * at once, with the reason, rather than cancelled later.
 */
public final class SwitchoverTarget {
    private SwitchoverTarget() {}

    /**
     * @param leader the member that leads and would hand over
     * @param target the candidate's record
     * @param leaderTimeline the leader's timeline
     * @param leaderWritten how far the leader has written WAL; empty when unknown (then lag is not judged)
     * @return why {@code target} may not take over, or empty when it may
     */
    public static Optional<String> whyNot(ClusterSnapshot cluster, String leader, Member target, long leaderTimeline,
            OptionalLong leaderWritten) {
        String id = target.machineId();
        if (target.role() != MemberRole.REPLICA || target.state() != MemberState.STREAMING) {
            return Optional.of(id + " is not a streaming replica (" + target.role().name().toLowerCase() + ", " + target.state() + ")");
        }
        if (target.tags().noFailover()) return Optional.of(id + " may not lead (tagged nofailover)");
        // Only to a synchronous standby while the leader has any: the clean hand-over loses nothing either way, but a
        // new leader that already held every acknowledged write keeps the record true if the hand-over is cut short.
        Optional<String> notSynchronous = cluster.sync()
                .filter(s -> s.leader().equals(leader) && s.quorum() > 0 && !s.synchronousStandbys().contains(id))
                .map(s -> id + " is not a synchronous standby (the synchronous set is " + s.synchronousStandbys()
                        + "): wait until it is one, or choose one of them");
        if (notSynchronous.isPresent()) return notSynchronous;
        if (target.timeline() != leaderTimeline) return Optional.of(id + " is on timeline " + target.timeline());
        long lag = leaderWritten.isPresent() ? leaderWritten.getAsLong() - target.receivedPosition() : 0;
        long allowed = cluster.spec().value().maximumLagOnFailoverBytes();
        if (lag > allowed) return Optional.of(id + " lags " + lag + " bytes behind (ha.maximum_lag_on_failover allows " + allowed + ")");
        return Optional.empty();
    }
}
