package dev.pgmanager.sidecar.loop;

import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.ReplicationSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader keeps a physical replication slot for every member, named by machine ID, so a replica that is away
 * for a while (a migration, a restart) finds its WAL still there. A departed member's slot is dropped only after the
 * retention, since a slot holds WAL on the primary's disk for as long as it exists. A replica holds none: a former
 * leader's slots are dropped once it follows (a standby keeps WAL for its slots too).
 */
public final class ReplicationSlots {
    private static final Logger log = LoggerFactory.getLogger(ReplicationSlots.class);
    private static final Pattern MEMBER_SLOT = Pattern.compile("[a-z0-9][a-z0-9_]{0,62}");

    private final PostgresController controller;
    private final String me;
    private final Duration retention;
    private final Map<String, Instant> lastWanted = new HashMap<>();

    public ReplicationSlots(PostgresController controller, String me, Duration retention) {
        this.controller = controller;
        this.me = me;
        this.retention = retention;
    }

    /**
     * Creates the wanted slots and drops the ones gone for longer than the retention. Never fails: slot upkeep runs
     * before a promotion too, which a slot problem must not hold up; what went wrong is logged and tried next pass.
     */
    void keep(Set<MachineId> members, Instant now) {
        try {
            upkeep(members, now);
        } catch (RuntimeException e) {
            log.warn("could not look after the replication slots (tried again next pass): {}", e.getMessage());
        }
    }

    /**
     * Drops a replica's idle member slots, each on its own: one that is in use again (the member it names connected
     * meanwhile: it cannot, to a replica) or already gone is logged and tried again next pass if it is still there.
     */
    void dropIdle(Set<String> names) {
        for (String name : names) {
            try {
                controller.dropReplicationSlot(name);
            } catch (RuntimeException e) {
                log.warn("could not drop the idle replication slot {} (tried again next pass): {}", name, e.getMessage());
            }
        }
    }

    private void upkeep(Set<MachineId> members, Instant now) {
        Set<String> wantedSlots = members.stream().map(MachineId::slotName).collect(Collectors.toSet());
        Set<String> othersSlots = wantedSlots.stream().filter(name -> !name.equals(me)).collect(Collectors.toSet());
        for (String slotName : othersSlots) lastWanted.put(slotName, now);
        for (ReplicationSlot slot : controller.createMissingReplicationSlots(othersSlots)) {
            String name = slot.name();
            if (wantedSlots.contains(name) || !MEMBER_SLOT.matcher(name).matches()) continue;
            // A slot first seen now (this member just became leader) counts as wanted now: its member may be mid-move.
            Instant wanted = lastWanted.computeIfAbsent(name, n -> now);
            if (!slot.active() && wanted.plus(retention).isBefore(now)) {
                log.info("dropping the replication slot of {}: gone for more than {}", name, retention);
                controller.dropReplicationSlot(name);
                lastWanted.remove(name);
            }
        }
    }
}
