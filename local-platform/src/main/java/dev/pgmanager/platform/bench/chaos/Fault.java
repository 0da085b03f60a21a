package dev.pgmanager.platform.bench.chaos;

import java.util.Locale;

/** What one round of the chaos suite does to the cluster. */
public enum Fault {
    /** SIGKILL of a member's sidecar and PostgreSQL at once; started again at the heal. */
    CRASH_MEMBER,
    /** SIGSTOP of a member's sidecar for longer than the lease, then SIGCONT: a long GC pause. */
    PAUSE_SIDECAR,
    /** SIGKILL of the store (the platform process, with the DNS server); started again at the heal. */
    CRASH_STORE,
    /** A member's store traffic silenced (its store proxy cut), then restored. */
    CUT_FROM_STORE,
    /** A platform migration: kill signal (a leader hands over), forked volume, new address, start. */
    MIGRATE_MEMBER,
    /** Packets between a member and its peers dropped, then let through again. */
    CUT_FROM_PEERS,
    /** SIGKILL of the primary's postmaster only; its sidecar starts it again. */
    CRASH_PRIMARY_POSTGRES;

    /** The name the suite prints and accepts ({@code crash-member}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Fault ofLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
