package dev.pgmanager.ha;

import java.util.Objects;

/**
 * Synchronous replication as this member runs it while it leads.
 *
 * @param mode off, on or quorum
 * @param nodeCount how many standbys must confirm a commit (at most as many as are eligible)
 * @param strict with no synchronous standby available, commits wait rather than continue unprotected
 */
public record SynchronousSettings(SynchronousMode mode, int nodeCount, boolean strict) {
    public static final SynchronousSettings OFF = new SynchronousSettings(SynchronousMode.OFF, 1, false);

    public SynchronousSettings {
        Objects.requireNonNull(mode, "mode");
        if (nodeCount < 1) throw new IllegalArgumentException("nodeCount must be at least 1, was " + nodeCount);
    }

    public boolean enabled() {
        return mode != SynchronousMode.OFF;
    }
}
