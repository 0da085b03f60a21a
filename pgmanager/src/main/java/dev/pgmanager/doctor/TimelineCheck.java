package dev.pgmanager.doctor;

import dev.pgmanager.postgres.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every member's WAL history is a prefix of the leader's: on the leader's timeline, or on an earlier one of its
 * history and not past the point where the leader's history left it. Anything else diverged and needs a rewind.
 */
final class TimelineCheck implements Check {
    @Override
    public String name() {
        return "timeline";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        Optional<MemberFacts> leader = facts.leader();
        if (leader.isEmpty() || leader.get().timeline() <= 0) return findings;
        MemberFacts l = leader.get();
        long leaderTimeline = l.timeline();
        for (MemberFacts m : facts.membersExcept(l.machineId().value()).values()) {
            long timeline = m.timeline();
            if (timeline <= 0) continue;
            String id = m.machineId().value();
            String rejoin = facts.fixes().pgmanager("rejoin " + id);
            if (timeline == leaderTimeline) {
                findings.add(Finding.ok(name(), id, id + " is on the leader's timeline " + timeline));
            } else if (timeline > leaderTimeline) {
                findings.add(Finding.critical(name(), id, id + " is on timeline " + timeline + ", ahead of the leader "
                        + l.machineId() + "'s timeline " + leaderTimeline + ": its history diverged (it has WAL the leader "
                        + "never had)", rejoin));
            } else {
                Optional<Lsn> switchpoint = l.server().map(s -> s.switchpoints().get(timeline));
                long position = m.position();
                if (l.server().isPresent() && switchpoint.isEmpty()) {
                    findings.add(Finding.critical(name(), id, id + " is on timeline " + timeline + ", which is not in the "
                            + "history of the leader " + l.machineId() + " (timeline " + leaderTimeline + "): diverged", rejoin));
                } else if (switchpoint.isPresent() && position > switchpoint.get().value()) {
                    findings.add(Finding.critical(name(), id, id + " went on to " + new Lsn(position) + " on timeline " + timeline
                            + ", past " + switchpoint.get() + " where the leader " + l.machineId() + "'s history left it for "
                            + "a later timeline: diverged", rejoin));
                } else {
                    findings.add(Finding.ok(name(), id, id + " is on timeline " + timeline + ", an earlier part of the leader's "
                            + "history (timeline " + leaderTimeline + "); it follows the switch as it replays"));
                }
            }
        }
        return findings;
    }
}
