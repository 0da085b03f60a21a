package dev.pgmanager.platform.bench.chaos;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * The suite's outcome: its rounds and what makes it a failure. A split brain, a divergent replica or a round that
 * did not converge within the bound always fails; a lost acknowledged write fails where replication is synchronous
 * (asynchronous replication may lose what was in flight, and that is reported, not failed).
 */
public record ChaosReport(List<RoundResult> rounds, Duration bound, boolean lossIsFailure, String abortedBecause) {

    public boolean safe() {
        return abortedBecause == null
                && rounds.stream().allMatch(r -> r.incidents().isEmpty() && r.converged() && r.recoveryMillis() <= bound.toMillis())
                && (!lossIsFailure || rounds.stream().allMatch(r -> r.lost().isEmpty()));
    }

    public void print(PrintStream out) {
        out.printf("%-24s %6s %12s %6s %12s %16s %14s%n", "fault", "rounds", "acknowledged", "lost", "split-brain",
                "recovery median", "recovery max");
        for (Fault fault : Fault.values()) row(out, fault.label(), r -> r.round().fault() == fault);
        row(out, "total", r -> true);
        out.printf("convergence bound %d ms; rounds beyond it or not converged: %d%n", bound.toMillis(),
                rounds.stream().filter(r -> !r.converged() || r.recoveryMillis() > bound.toMillis()).count());
        rounds.stream().flatMap(r -> r.incidents().stream()).forEach(i -> out.println("SPLIT BRAIN: " + i));
        if (abortedBecause != null) out.println("ABORTED: " + abortedBecause);
        long lost = rounds.stream().mapToLong(r -> r.lost().size()).sum();
        if (lost > 0) {
            out.println(lossIsFailure ? "LOST " + lost + " acknowledged writes under synchronous replication"
                    : lost + " acknowledged writes lost: asynchronous replication may lose what was in flight at a failover");
        }
        out.println(safe() ? "safety checks passed" : "SAFETY CHECKS FAILED");
    }

    private void row(PrintStream out, String label, Predicate<RoundResult> which) {
        List<RoundResult> selected = rounds.stream().filter(which).toList();
        if (selected.isEmpty()) return;
        List<Long> recoveries = selected.stream().filter(RoundResult::converged).map(RoundResult::recoveryMillis).sorted().toList();
        out.printf("%-24s %6d %12d %6d %12d %16s %14s%n", label, selected.size(),
                selected.stream().mapToLong(RoundResult::acknowledged).sum(),
                selected.stream().mapToLong(r -> r.lost().size()).sum(),
                selected.stream().mapToLong(r -> r.incidents().size()).sum(),
                recoveries.isEmpty() ? "-" : median(recoveries) + " ms",
                recoveries.isEmpty() ? "-" : recoveries.getLast() + " ms");
    }

    private static long median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
