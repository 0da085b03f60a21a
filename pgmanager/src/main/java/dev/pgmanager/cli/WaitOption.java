package dev.pgmanager.cli;

import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --wait[=DURATION]} of the commands that move leadership. */
final class WaitOption {
    @Option(names = "--wait", arity = "0..1", fallbackValue = "60s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Wait until the new leader holds the lease, at most DURATION (60s when given without a value), "
                    + "and print it with its epoch.")
    Duration wait;

    /**
     * Waits as asked, if asked.
     *
     * @param previous the leader when the request was filed
     * @param to the member that must lead, or empty for any other member
     * @param before the cluster's history as read before the request was filed
     * @throws CommandFailed when the leader cancels the request (saying why) or leadership does not move in time
     */
    void awaitIfAsked(ClusterStore store, Optional<String> previous, Optional<String> to, List<HistoryEntry> before, PrintWriter out)
            throws InterruptedException {
        if (wait == null) return;
        Leader leader = LeadershipWait.until(store, previous, to, before, wait);
        out.println(leader.machineId() + " leads now, epoch " + leader.epoch());
        out.flush();
    }
}
