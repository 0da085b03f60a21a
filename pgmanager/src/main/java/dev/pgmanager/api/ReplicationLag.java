package dev.pgmanager.api;

import dev.pgmanager.ha.Observation;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How far a member's replay trails the leader, in bytes of WAL. The leader's member record carries its write
 * position in {@code receivedPosition}, so lag is measured against what the leader last published, not against a
 * query of its server: the API never reaches out to other machines.
 */
final class ReplicationLag {
    private ReplicationLag() {}

    /** This member's lag; empty when it cannot be known (no leader record, positions unknown, not running). */
    static OptionalLong ofLocal(Observation o) {
        if (o.local().isPrimary() && o.iLead()) return OptionalLong.of(0);
        if (o.cluster().isLeader(o.id().value())) return OptionalLong.empty();
        OptionalLong replayed = o.local().wal().replayed();
        if (replayed.isEmpty()) return OptionalLong.empty();
        return leaderPosition(o.cluster()).map(leader -> between(leader, replayed.getAsLong())).orElse(OptionalLong.empty());
    }

    /** A member's lag as published in its record; the leader itself trails no one. */
    static OptionalLong ofMember(ClusterSnapshot cluster, Member member) {
        if (cluster.isLeader(member.machineId())) return OptionalLong.of(0);
        return leaderPosition(cluster).map(leader -> between(leader, member.replayedPosition())).orElse(OptionalLong.empty());
    }

    private static Optional<Long> leaderPosition(ClusterSnapshot cluster) {
        return cluster.leader().flatMap(l -> cluster.member(l.machineId())).map(Member::receivedPosition);
    }

    /** A replica may have replayed past what the leader last published (records are written at different moments). */
    private static OptionalLong between(long leaderPosition, long replayedPosition) {
        if (leaderPosition < 0 || replayedPosition < 0) return OptionalLong.empty();
        return OptionalLong.of(Math.max(0, leaderPosition - replayedPosition));
    }
}
