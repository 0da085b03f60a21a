package dev.pgmanager.election;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The election order as one comparator, behind named eligibility rules. Pure: the same inputs always give the
 * same answer, whichever member computes it, so every member agrees on who should lead.
 */
public final class CandidateRanking {

    /**
     * Best first: most advanced received WAL (least data lost), then most replayed (fastest to open for writes),
     * then operator priority, then machine ID so that ties are broken the same way everywhere.
     */
    public static final Comparator<Candidate> BEST_FIRST = Comparator
            .comparingLong(Candidate::receivedPosition).reversed()
            .thenComparing(Comparator.comparingLong(Candidate::replayedPosition).reversed())
            .thenComparing(Comparator.comparingInt(Candidate::priority).reversed())
            .thenComparing(Candidate::machineId);

    private final FailoverRules rules;

    public CandidateRanking(FailoverRules rules) {
        this.rules = rules;
    }

    /** The first rule that excludes {@code candidate}, or empty when it may be promoted. */
    public Optional<Exclusion> exclusion(Candidate candidate) {
        if (candidate.noFailover()) return Optional.of(Exclusion.NO_FAILOVER_TAG);
        if (rules.synchronousStandbys().map(sync -> !sync.contains(candidate.machineId())).orElse(false)) {
            return Optional.of(Exclusion.NOT_SYNCHRONOUS);
        }
        if (candidate.timeline() != rules.leaderTimeline()) return Optional.of(Exclusion.OFF_LEADER_TIMELINE);
        if (rules.referencePosition() - candidate.receivedPosition() > rules.maximumLagBytes()) {
            return Optional.of(Exclusion.LAGGING_TOO_FAR);
        }
        return Optional.empty();
    }

    /** The eligible candidates, best first. */
    public List<Candidate> rank(Collection<Candidate> candidates) {
        return candidates.stream().filter(c -> exclusion(c).isEmpty()).sorted(BEST_FIRST).toList();
    }

    /** The one candidate that should be promoted, if any is eligible. */
    public Optional<Candidate> best(Collection<Candidate> candidates) {
        return rank(candidates).stream().findFirst();
    }
}
