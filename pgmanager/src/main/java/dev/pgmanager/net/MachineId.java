package dev.pgmanager.net;

import dev.pgmanager.store.MachineIds;

/**
 * A member's identity for life: the platform's machine ID, which survives a migration to another host while the
 * address does not. It names the member everywhere (store keys, replication slot, {@code application_name},
 * {@code synchronous_standby_names}, its DNS name), so it holds only characters safe in all of them.
 *
 * @param value the ID as the platform gives it ({@code 3d8d9d1b2e7e89})
 */
public record MachineId(String value) implements Comparable<MachineId> {

    public MachineId {
        MachineIds.requireValid(value);
    }

    public static MachineId of(String value) {
        return new MachineId(value);
    }

    /** The name of the physical replication slot a primary keeps for this member. */
    public String slotName() {
        return value;
    }

    /**
     * The {@code application_name} this member's connections to the primary carry: how {@code pg_stat_replication}
     * and {@code synchronous_standby_names} name it.
     */
    public String applicationName() {
        return value;
    }

    /** The label that stands for the machine ID in its DNS name ({@code <label>.vm.<app>.internal}). */
    public String dnsLabel() {
        return value;
    }

    @Override
    public int compareTo(MachineId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
