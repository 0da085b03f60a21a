package dev.pgmanager.doctor;

import dev.pgmanager.store.UnreadableRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Every record of the cluster in the store can be read. Names each one that cannot, says what the cluster does without
 * it (as the sidecars decide: see the decider's rules for unreadable records), and gives the repair.
 */
final class RecordsCheck implements Check {
    @Override
    public String name() {
        return "records";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        StoreFacts store = facts.store();
        String repair = facts.fixes().pgmanager("store repair");
        List<Finding> findings = new ArrayList<>();
        if (store.snapshot().isEmpty()) {
            store.unreadableRecord().ifPresent(location -> findings.add(Finding.critical(name(), location, "the record at "
                    + location + " cannot be read, and no member can decide anything without it: every sidecar's control loop "
                    + "only observes, so no failover happens until it is repaired (the primary keeps its lease and goes on)",
                    location.endsWith("/identity")
                            ? "write it again by hand from the data's system identifier (pg_controldata on the leader); "
                                    + "pgmanager store repair leaves it, since without it a member with no data could start "
                                    + "a new cluster"
                            : repair)));
            return findings;
        }
        List<UnreadableRecord> unreadable = store.snapshot().get().unreadable();
        if (unreadable.isEmpty()) {
            findings.add(Finding.ok(name(), facts.cluster(), "every record of the cluster in the store can be read"));
            return findings;
        }
        for (UnreadableRecord record : unreadable) {
            String message = record.problem() + ": " + consequence(record);
            // Only a leader may write the synchronous record: a repair removing it would lift the guard it is.
            String fix = record.part() == UnreadableRecord.Part.SYNC
                    ? "none while a leader runs (it writes the record again); without one, choose the member to promote: "
                            + facts.fixes().pgmanager("failover --to ID --force")
                    : repair;
            findings.add(record.part() == UnreadableRecord.Part.LEADER || record.part() == UnreadableRecord.Part.SYNC
                    ? Finding.critical(name(), record.location(), message, fix)
                    : Finding.warning(name(), record.location(), message, fix));
        }
        return findings;
    }

    private static String consequence(UnreadableRecord record) {
        return switch (record.part()) {
            case LEADER -> "nobody can take the lease while it exists, and nobody follows it; " + switch (record.owner()) {
                case ANOTHER_SESSION, THIS_SESSION -> "the member whose session holds it removes it by itself once its server "
                        + "no longer runs as primary (it demotes as soon as it cannot read its lease), and a leader is elected";
                case NONE -> "no session holds it, so the members remove it once none runs as primary, and a leader is elected";
            };
            case SYNC -> "in synchronous mode no member is promoted by the cluster while it cannot be read (it may name the only "
                    + "members holding every acknowledged write); a leader writes it again on its next pass";
            case MEMBER -> "the cluster decides without that member (never promoted or made synchronous on its strength); its "
                    + "sidecar writes it again on its next pass";
            case HISTORY -> "left out of pgmanager history; nothing else depends on it";
            case HANDOVER -> "no switchover or failover can be filed while it exists; the leader removes it on its next pass";
            case SPEC -> "every sidecar goes on with the last spec it read, and after a restart with the defaults; the repair "
                    + "writes the defaults, paused, for an operator to set again and resume";
        };
    }
}
