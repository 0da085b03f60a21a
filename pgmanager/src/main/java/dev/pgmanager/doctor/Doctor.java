package dev.pgmanager.doctor;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Examines a cluster from every side it can reach and says what is wrong and how to fix it. */
public final class Doctor {
    /** Every check, in the order the report lists them: the store first, since everything else leans on it. */
    static final List<Check> CHECKS = List.of(new StoreCheck(), new RecordsCheck(), new EnsembleCheck(), new LeaseCheck(), new MemberCheck(), new DnsCheck(),
            new UpstreamCheck(), new TimelineCheck(), new SlotCheck(), new RewriterCheck(), new DiskCheck(),
            new BackupCheck(Clock.systemUTC()));

    private Doctor() {}

    public static Report examine(DoctorTarget target) {
        ClusterFacts facts = new FactGatherer(target).gather();
        boolean anyMemberAnswered = facts.members().values().stream().anyMatch(m -> m.api().isPresent() || m.server().isPresent());
        if (facts.snapshot().isEmpty() && !anyMemberAnswered) {
            return new Report(target.cluster(), new StoreCheck().examine(facts), Optional.of("neither the store at "
                    + target.storeConnect() + " (" + facts.store().error().orElse("no answer") + ") nor any member answered"
                    + (facts.members().isEmpty() ? " (and no member is known without the store)" : "")));
        }
        List<Finding> findings = new ArrayList<>();
        for (Check check : CHECKS) findings.addAll(check.examine(facts));
        return new Report(target.cluster(), findings, Optional.empty());
    }
}
