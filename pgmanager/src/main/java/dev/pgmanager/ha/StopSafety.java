package dev.pgmanager.ha;

import dev.pgmanager.store.Leader;
import java.util.List;
import java.util.Optional;

/**
 * Whether stopping this member now keeps the cluster writable: what a migration scheduler or an operator asks before
 * moving a machine, one at a time. Pure, over the last pass's observation; the hand-over rules are the
 * {@link Decider}'s own, so this answer and what a stopping leader then does cannot disagree.
 */
public final class StopSafety {

    /** @param safe whether the stop keeps the cluster writable; {@code reason} says why, in one sentence */
    public record Verdict(boolean safe, String reason) {}

    private final Decider decider = new Decider();

    public Verdict judge(Observation o) {
        if (o.iLead()) return asLeader(o);
        Optional<Leader> leader = o.otherLeader();
        if (leader.isEmpty()) return unsafe("no member leads: the cluster is not writable, and this member may be needed to elect one");
        String id = leader.get().machineId();
        if (!Decider.runningPrimary(o, id)) {
            return unsafe("the leader " + id + " does not run as a primary now: this member may be needed to take over");
        }
        return safe("the leader " + id + " runs and stays: stopping this " + describe(o) + " leaves the cluster writable");
    }

    private Verdict asLeader(Observation o) {
        if (o.cluster().spec().value().paused()) {
            return unsafe("this member leads and the cluster is paused: a stopping leader cannot hand over, the cluster "
                    + "would be without a primary");
        }
        Optional<String> target = decider.bestReplica(o);
        if (target.isPresent()) {
            return safe("this member leads, and a stop hands over to " + target.get()
                    + " first (a switchover, ha.stop_handover_timeout): the cluster stays writable apart from the hand-over");
        }
        List<String> obstacles = o.cluster().membersExcept(o.id().value()).keySet().stream()
                .map(id -> Decider.whyNotHealthyReplica(o, id).orElse(id + " may take over"))
                .toList();
        return unsafe("this member leads and no replica may take over ("
                + (obstacles.isEmpty() ? "there is no other member" : String.join("; ", obstacles)) + ")");
    }

    private static String describe(Observation o) {
        if (!o.local().running()) return "member (its server is down)";
        return o.local().isReplica() ? "replica" : "member";
    }

    private static Verdict safe(String reason) {
        return new Verdict(true, reason);
    }

    private static Verdict unsafe(String reason) {
        return new Verdict(false, reason);
    }
}
