package dev.pgmanager.doctor;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** One member holds the lease (with its epoch) and runs the only primary; the cluster is not paused. */
final class LeaseCheck implements Check {
    @Override
    public String name() {
        return "lease";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        if (facts.snapshot().isEmpty()) return findings;
        ClusterSnapshot snapshot = facts.snapshot().get();
        Fixes fixes = facts.fixes();
        if (snapshot.spec().value().paused()) {
            findings.add(Finding.warning(name(), facts.cluster(), "the cluster is paused: the sidecars observe and change "
                    + "nothing, so no failover happens and no replica is re-pointed", fixes.pgmanager("resume")));
        }
        Optional<Leader> lease = snapshot.leader();
        if (lease.isEmpty()) {
            Optional<MemberFacts> best = facts.members().values().stream().filter(m -> m.record().isPresent())
                    .max(Comparator.comparingLong(MemberFacts::position));
            findings.add(Finding.critical(name(), facts.cluster(), "no member holds the lease: nothing accepts writes"
                    + (snapshot.lastEpoch() > 0 ? " (the last epoch was " + snapshot.lastEpoch() + ")" : ""),
                    snapshot.spec().value().paused() ? fixes.pgmanager("resume")
                            : best.map(b -> fixes.pgmanager("failover --to " + b.machineId())).orElse(fixes.startMember("<member>"))));
        } else {
            String leader = lease.get().machineId();
            Optional<ServerFacts> server = Optional.ofNullable(facts.members().get(leader)).flatMap(MemberFacts::server);
            if (server.isPresent() && !server.get().primary()) {
                findings.add(Finding.critical(name(), leader, leader + " holds the lease (epoch " + lease.get().epoch()
                        + ") but its PostgreSQL is not a primary: nothing accepts writes", fixes.pgmanager("restart " + leader)));
            } else {
                findings.add(Finding.ok(name(), leader, leader + " holds the lease, epoch " + lease.get().epoch()
                        + server.map(s -> ", and runs the primary on timeline " + s.timeline()).orElse("")));
            }
        }
        for (MemberFacts member : facts.members().values()) {
            boolean leads = lease.map(l -> l.machineId().equals(member.machineId().value())).orElse(false);
            if (!leads && member.server().map(ServerFacts::primary).orElse(false)) {
                findings.add(Finding.critical(name(), member.machineId().value(), member.machineId() + " runs a primary without the "
                        + "lease (timeline " + member.timeline() + "): writes it accepts are not the cluster's and will be "
                        + "lost", lease.isPresent() ? fixes.pgmanager("rejoin " + member.machineId())
                                : fixes.pgmanager("failover --to " + member.machineId())));
            }
        }
        return findings;
    }
}
