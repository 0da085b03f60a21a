package dev.pgmanager.election;

import java.util.Optional;
import java.util.Set;

/**
 * The facts a ranking is made against.
 *
 * @param leaderTimeline the timeline of the last leader; a candidate must be on it
 * @param referencePosition the WAL position lag is measured from: the last leader's known position, or the
 *     most advanced candidate's when the leader's is unknown
 * @param maximumLagBytes a candidate further behind {@code referencePosition} than this is excluded
 * @param synchronousStandbys when present (synchronous mode), only these members may be promoted
 */
public record FailoverRules(
        long leaderTimeline, long referencePosition, long maximumLagBytes, Optional<Set<String>> synchronousStandbys) {

    public FailoverRules {
        synchronousStandbys = synchronousStandbys.map(Set::copyOf);
    }

    public static FailoverRules asynchronous(long leaderTimeline, long referencePosition, long maximumLagBytes) {
        return new FailoverRules(leaderTimeline, referencePosition, maximumLagBytes, Optional.empty());
    }
}
