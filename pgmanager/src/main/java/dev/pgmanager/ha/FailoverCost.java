package dev.pgmanager.ha;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.UnreadableRecord;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a failover to a chosen member would cost, judged from the store before the request is filed. A failover, unlike
 * a switchover, does not wait for its target to catch up: every write the target has not received is lost on every
 * member, the old leader's included once it rejoins. So it is refused while the leader is healthy (a switchover moves
 * leadership without loss) or while the target is behind, unless the operator forces it; forced, the loss is said.
 *
 * <p>Positions come from the members' records, which are at most a pass or two old: the loss is an estimate, and a
 * leader still taking writes can only have moved further ahead.
 *
 * @param target the member to promote
 * @param healthyLeader the leader, when it holds the lease and its record says it runs as primary
 * @param reference the member the target is measured against: the leader if it has a record, else the most advanced
 *     member
 * @param bytesBehind how far the target's WAL is behind the reference's; empty when either position is unknown
 * @param notSynchronous why the synchronous record does not vouch for the target, when it does not
 */
public record FailoverCost(String target, Optional<String> healthyLeader, String reference, OptionalLong bytesBehind,
        Optional<String> notSynchronous) {

    public static FailoverCost of(ClusterSnapshot cluster, String target) {
        Optional<Member> leader = cluster.leader().flatMap(l -> cluster.member(l.machineId()));
        Optional<String> healthy = leader
                .filter(m -> m.role() == MemberRole.PRIMARY && m.state() == MemberState.RUNNING)
                .map(Member::machineId);
        Member reference = leader.orElseGet(() -> cluster.members().values().stream()
                .max(Comparator.comparingLong(FailoverCost::position))
                .orElseThrow());
        Member to = cluster.member(target).orElseThrow(() -> new IllegalArgumentException(target + " is not a member"));
        long behind = position(reference) - position(to);
        OptionalLong bytesBehind = position(reference) < 0 || position(to) < 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(0, behind));
        return new FailoverCost(target, healthy, reference.machineId(), bytesBehind, notSynchronous(cluster, target));
    }

    /**
     * Why the synchronous record does not vouch for {@code target}: positions in member records may be older than the
     * last acknowledged commit, and the record is what says who holds it.
     */
    private static Optional<String> notSynchronous(ClusterSnapshot cluster, String target) {
        if (cluster.unreadable(UnreadableRecord.Part.SYNC).isPresent()) {
            return Optional.of("the synchronous record cannot be read, so nobody can tell whether " + target + " holds every "
                    + "acknowledged write");
        }
        return cluster.sync().filter(s -> s.quorum() > 0 && !s.leader().equals(target) && !s.synchronousStandbys().contains(target))
                .map(s -> target + " is not one of the synchronous standbys " + s.synchronousStandbys()
                        + " that hold every acknowledged write");
    }

    /** Why the failover is refused unless forced; empty when it loses nothing that is known and no leader is healthy. */
    public Optional<String> refusal() {
        if (healthyLeader.isPresent()) {
            return Optional.of(healthyLeader.get() + " leads and is healthy: a failover would not wait for " + target
                    + " to catch up (" + lag() + "). Use `pgmanager switchover --to " + target + "`, which hands over without "
                    + "loss, or add --force to fail over anyway");
        }
        if (notSynchronous.isPresent()) {
            return Optional.of(notSynchronous.get() + ": a failover to it may lose acknowledged writes. Fail over to one of "
                    + "them, or add --force to accept the loss");
        }
        if (bytesBehind.isEmpty() && !reference.equals(target)) {
            return Optional.of("how far " + target + " is behind " + reference + " is not known (a position is missing from "
                    + "their records): writes it has not received would be lost. Add --force to fail over anyway");
        }
        if (bytesBehind.orElse(0) > 0) {
            return Optional.of(target + " is " + lag() + ": a failover to it loses those writes on every member. Fail over to "
                    + reference + " instead, or add --force to accept the loss");
        }
        return Optional.empty();
    }

    /** What a forced failover loses, as far as the records tell; empty when nothing. */
    public Optional<String> loss() {
        if (notSynchronous.isPresent()) return Optional.of("forced: " + notSynchronous.get() + "; acknowledged writes may be lost");
        if (bytesBehind.isPresent() && bytesBehind.getAsLong() == 0) return Optional.empty();
        return Optional.of("forced: writes " + target + " has not received are lost (" + lag() + ")");
    }

    private String lag() {
        if (reference.equals(target)) return "it is the most advanced member";
        if (bytesBehind.isEmpty()) return "how far it is behind " + reference + " is not known";
        return bytesBehind.getAsLong() == 0
                ? "it has every write " + reference + " had published"
                : bytes(bytesBehind.getAsLong()) + " behind " + reference + ", as their records last said";
    }

    private static long position(Member m) {
        return Math.max(m.receivedPosition(), m.replayedPosition());
    }

    private static String bytes(long n) {
        if (n < 1024 * 1024) return n + " bytes";
        return String.format(Locale.ROOT, "%d bytes (%.1f MB)", n, n / (1024.0 * 1024.0));
    }
}
