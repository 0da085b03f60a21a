package dev.pgmanager.store;

import java.util.Set;
import java.util.TreeSet;

/**
 * What the leader guarantees about acknowledged writes in synchronous mode: every transaction it acknowledged is on
 * at least {@code quorum} of {@code synchronousStandbys} (and on the leader). So a failover that hears from
 * {@code synchronousStandbys.size() - quorum + 1} of them and promotes the most advanced loses nothing. A quorum of 0
 * guarantees nothing beyond the leader: then only the leader itself may take over without an operator. Absent when
 * the leader runs asynchronously.
 *
 * @param leader the member that wrote it
 * @param epoch the leader's epoch when it wrote it
 * @param synchronousStandbys machine IDs of the standbys that may hold acknowledged writes the others lack
 * @param quorum how many of them hold every acknowledged write (0 to their number)
 */
public record SyncState(String leader, long epoch, Set<String> synchronousStandbys, int quorum) {
    public SyncState {
        synchronousStandbys = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(synchronousStandbys));
        if (quorum < 0 || quorum > synchronousStandbys.size()) {
            throw new IllegalArgumentException("quorum must be between 0 and " + synchronousStandbys.size() + ", was " + quorum);
        }
    }

    /** How many of the synchronous standbys a failover must hear from: more than there are when the quorum is 0. */
    public int witnessesNeeded() {
        return synchronousStandbys.size() - quorum + 1;
    }
}
