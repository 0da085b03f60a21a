package dev.pgmanager.platform.bench.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides whether a history of writes is one that a single writer per epoch can have produced. It needs no trust in
 * the cluster manager: every fact comes from the servers (who took a write, on which timeline, at which WAL position)
 * or from the clients' own clocks (one process, monotonic). The rules:
 * <ul>
 *   <li>each epoch was taken by exactly one member (two servers on one timeline are two histories);</li>
 *   <li>epochs never overlap in time: no write was sent to an older epoch after a newer epoch had acknowledged one
 *       (an old primary still taking writes while a new one does is split brain, even when the old one's writes are
 *       later thrown away);</li>
 *   <li>in the surviving history (the primary's rows in WAL order) epochs never go back;</li>
 *   <li>every acknowledged write survives; a missing one is counted as lost (a safety failure only where replication
 *       is synchronous).</li>
 * </ul>
 */
public final class HistoryChecker {
    private HistoryChecker() {}

    /**
     * @param lost acknowledged writes missing from the surviving history
     * @param incidents split-brain findings, one sentence each
     */
    public record Verdict(List<Write> lost, List<String> incidents) {
        public boolean consistent() {
            return incidents.isEmpty();
        }
    }

    /**
     * @param acknowledged every write a client got an acknowledgement for (with its timings)
     * @param survivors the rows the new primary holds
     */
    public static Verdict check(List<Write> acknowledged, List<Write> survivors) {
        List<String> incidents = new ArrayList<>();
        incidents.addAll(oneMemberPerEpoch(acknowledged, survivors));
        incidents.addAll(epochsDoNotOverlap(acknowledged));
        incidents.addAll(epochsNeverGoBack(survivors));
        Set<String> present = new HashSet<>();
        for (Write w : survivors) present.add(w.key());
        List<Write> lost = acknowledged.stream().filter(w -> !present.contains(w.key())).toList();
        return new Verdict(lost, incidents);
    }

    private static List<String> oneMemberPerEpoch(List<Write> acknowledged, List<Write> survivors) {
        Map<Long, Set<String>> members = new TreeMap<>();
        for (List<Write> writes : List.of(acknowledged, survivors)) {
            for (Write w : writes) members.computeIfAbsent(w.epoch(), e -> new java.util.TreeSet<>()).add(w.member());
        }
        List<String> incidents = new ArrayList<>();
        members.forEach((epoch, who) -> {
            if (who.size() > 1) incidents.add("epoch " + epoch + " took writes on " + who.size() + " members: " + String.join(", ", who));
        });
        return incidents;
    }

    /**
     * For every pair of epochs e < f: the last write sent to e must have been sent before the first acknowledgement in
     * f. One pass from the newest epoch down, keeping the earliest acknowledgement of any newer epoch.
     */
    private static List<String> epochsDoNotOverlap(List<Write> acknowledged) {
        TreeMap<Long, Write> lastSent = new TreeMap<>();
        TreeMap<Long, Write> firstAcked = new TreeMap<>();
        for (Write w : acknowledged) {
            lastSent.merge(w.epoch(), w, (a, b) -> a.sentNanos() >= b.sentNanos() ? a : b);
            firstAcked.merge(w.epoch(), w, (a, b) -> a.ackedNanos() <= b.ackedNanos() ? a : b);
        }
        List<String> incidents = new ArrayList<>();
        Write earliestNewer = null;
        for (Long epoch : lastSent.descendingKeySet()) {
            Write late = lastSent.get(epoch);
            if (earliestNewer != null && late.sentNanos() > earliestNewer.ackedNanos()) {
                incidents.add("epoch " + epoch + " on " + late.member() + " took write " + late.key() + " sent "
                        + millis(late.sentNanos() - earliestNewer.ackedNanos()) + " ms after epoch " + earliestNewer.epoch()
                        + " on " + earliestNewer.member() + " had acknowledged " + earliestNewer.key());
            }
            Write first = firstAcked.get(epoch);
            if (earliestNewer == null || first.ackedNanos() < earliestNewer.ackedNanos()) earliestNewer = first;
        }
        return incidents;
    }

    private static List<String> epochsNeverGoBack(List<Write> survivors) {
        List<Write> history = survivors.stream().sorted(Comparator.comparingLong(Write::lsn)).toList();
        List<String> incidents = new ArrayList<>();
        Set<String> reported = new HashSet<>();
        Write highest = null;
        for (Write w : history) {
            if (highest != null && w.epoch() < highest.epoch() && reported.add(highest.epoch() + ">" + w.epoch())) {
                incidents.add("the surviving history goes back from epoch " + highest.epoch() + " (" + highest.key() + " on "
                        + highest.member() + ") to epoch " + w.epoch() + " (" + w.key() + " on " + w.member() + ")");
            }
            if (highest == null || w.epoch() > highest.epoch()) highest = w;
        }
        return incidents;
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
