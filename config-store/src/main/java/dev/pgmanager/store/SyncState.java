package dev.pgmanager.store;

import java.util.Set;
import java.util.TreeSet;

/**
 * Which standbys the leader currently treats as synchronous: only they may be promoted in synchronous mode.
 *
 * @param leader the member that wrote it
 * @param epoch the leader's epoch when it wrote it
 * @param synchronousStandbys machine IDs of the synchronous standbys
 */
public record SyncState(String leader, long epoch, Set<String> synchronousStandbys) {
    public SyncState {
        synchronousStandbys = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(synchronousStandbys));
    }
}
