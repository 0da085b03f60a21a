package dev.pgmanager.platform.bench.chaos;

import java.util.List;

/**
 * What one round showed.
 *
 * @param member the machine ID the fault hit (empty for the store)
 * @param acknowledged writes acknowledged during the round
 * @param lost acknowledged writes (of this round or earlier) found missing for the first time after it
 * @param incidents split-brain or divergence findings first seen after it
 * @param recoveryMillis from the heal until one primary and N-1 streaming replicas took writes again; -1 when the
 *     cluster did not converge within the bound
 */
public record RoundResult(FaultRound round, String member, long acknowledged, List<Write> lost, List<String> incidents,
        long recoveryMillis) {
    public boolean converged() {
        return recoveryMillis >= 0;
    }
}
