package dev.pgmanager.doctor;

import dev.pgmanager.doctor.ServerFacts.Slot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The leader keeps a replication slot for every other member (so their WAL is not recycled while they are away), and
 * no slot that belongs to no member holds WAL on its disk.
 */
final class SlotCheck implements Check {
    @Override
    public String name() {
        return "slots";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        Optional<MemberFacts> leader = facts.leader().filter(l -> l.server().map(ServerFacts::primary).orElse(false));
        if (leader.isEmpty()) return findings;
        MemberFacts l = leader.get();
        Map<String, Slot> slots = l.server().get().slots().stream().collect(Collectors.toMap(Slot::name, Function.identity()));
        for (MemberFacts member : facts.membersExcept(l.machineId().value()).values()) {
            String id = member.machineId().value();
            String slotName = member.machineId().slotName();
            Slot slot = slots.get(slotName);
            if (slot == null) {
                findings.add(Finding.critical(name(), id, "the leader " + l.machineId() + " has no replication slot for " + id
                        + ": WAL it has not received yet may be recycled, and then it must be re-cloned",
                        psql(facts, l, "SELECT pg_create_physical_replication_slot('" + slotName + "', true)")));
            } else {
                findings.add(Finding.ok(name(), id, "the leader " + l.machineId() + " keeps slot " + slotName + " ("
                        + (slot.active() ? "in use" : "not in use") + ", holding " + slot.retainedBytes() + " bytes of WAL)"));
            }
        }
        for (Slot slot : slots.values()) {
            if (facts.members().containsKey(slot.name())) continue;
            boolean departed = facts.store().addressHistory().containsKey(slot.name());
            String whose = departed ? "belongs to " + slot.name() + ", which is no member now (the leader drops it after "
                    + "ha.slot_retention; drop it sooner if that machine is gone for good)" : "belongs to no member";
            if (slot.active() || slot.restartLsn().isEmpty()) {
                findings.add(Finding.warning(name(), slot.name(), "slot " + slot.name() + " on the leader " + l.machineId() + " "
                        + whose + (slot.active() ? "; something streams through it" : "; it holds no WAL"),
                        slot.active() ? null : psql(facts, l, "SELECT pg_drop_replication_slot('" + slot.name() + "')")));
                continue;
            }
            findings.add(Finding.warning(name(), slot.name(), "orphaned slot " + slot.name() + " on the leader " + l.machineId()
                    + " " + whose + " and holds " + slot.retainedBytes() + " bytes of WAL (since " + slot.restartLsn().get()
                    + slot.walStatus().map(s -> ", wal_status " + s).orElse("") + ") that can fill the disk",
                    psql(facts, l, "SELECT pg_drop_replication_slot('" + slot.name() + "')")));
        }
        return findings;
    }

    private static String psql(ClusterFacts facts, MemberFacts leader, String sql) {
        return facts.fixes().psql(leader.address().orElse(facts.hostnameOf().apply(leader.machineId().value())), leader.databasePort(), sql);
    }
}
