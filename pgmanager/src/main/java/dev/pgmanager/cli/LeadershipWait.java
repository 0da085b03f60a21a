package dev.pgmanager.cli;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Waits, after a switchover or failover was filed, until the lease has moved as asked. It watches the store so that
 * it answers as soon as the new leader takes the lease, and reads again now and then in case a change slipped by.
 */
final class LeadershipWait {
    private static final Duration RECHECK = Duration.ofMillis(500);
    /** The history's word for a hand-over request the leader refused or that expired. */
    private static final String CANCELLED = "handover-cancelled";

    private LeadershipWait() {}

    /**
     * @param previous the leader when the request was filed, if one led
     * @param to the member that must lead, or empty for any member but {@code previous}
     * @param before the cluster's history as read before the request was filed
     * @return the new leader
     * @throws CommandFailed when the leader cancelled the request (with its reason), or no such leader appears within
     *     {@code limit}
     */
    static Leader until(ClusterStore store, Optional<String> previous, Optional<String> to, List<HistoryEntry> before, Duration limit)
            throws InterruptedException {
        Predicate<Leader> moved = leader -> to.map(leader.machineId()::equals)
                .orElseGet(() -> previous.map(p -> !p.equals(leader.machineId())).orElse(true));
        Semaphore changed = new Semaphore(0);
        long deadline = System.nanoTime() + limit.toNanos();
        AutoCloseable watch = store.watch(change -> changed.release());
        try {
            while (true) {
                ClusterSnapshot cluster = store.read();
                Optional<Leader> leader = cluster.leader().filter(moved);
                if (leader.isPresent()) return leader.get();
                if (cluster.handover().isEmpty()) {
                    Optional<HistoryEntry> cancelled = cancellation(cluster, before);
                    if (cancelled.isPresent()) {
                        throw new CommandFailed(cancelled.get().machineId() + " cancelled the request: " + cancelled.get().detail());
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new CommandFailed(timedOut(cluster, limit));
                changed.tryAcquire(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
                changed.drainPermits();
            }
        } finally {
            stop(watch);
        }
    }

    /**
     * The leader's record of cancelling a request: the newest cancellation the history did not hold before this request
     * was filed. The request itself is gone by then, so this is its only trace.
     */
    private static Optional<HistoryEntry> cancellation(ClusterSnapshot cluster, List<HistoryEntry> before) {
        return cluster.history().reversed().stream()
                .filter(e -> e.kind().equals(CANCELLED) && !before.contains(e))
                .findFirst();
    }

    /** The answer is known by now; a watch that will not close ends anyway with the store's session. */
    private static void stop(AutoCloseable watch) {
        try {
            watch.close();
        } catch (Exception ignored) {
            // see above
        }
    }

    private static String timedOut(ClusterSnapshot cluster, Duration limit) {
        String now = cluster.leader().map(l -> l.machineId() + " leads (epoch " + l.epoch() + ")").orElse("no member leads");
        String request = cluster.handover().isPresent()
                ? "the request is still pending"
                : "no request is pending any more (see pgmanager history)";
        return "leadership did not move within " + text(limit) + ": " + now + "; " + request;
    }

    private static String text(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
