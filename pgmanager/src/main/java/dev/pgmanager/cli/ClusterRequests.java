package dev.pgmanager.cli;

import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import dev.pgmanager.store.ClusterStore;
import java.io.PrintWriter;
import java.time.Clock;

/**
 * Cluster-wide requests (switchover, failover, pause, resume) filed straight into the store, checked by the same
 * {@link OperatorRequests} a sidecar's API uses, so a request is judged alike whichever way it arrives.
 */
final class ClusterRequests {
    private ClusterRequests() {}

    static OperatorRequests over(ClusterStore store) {
        // No loop of ours to wake: every sidecar's store watch wakes its own loop when the request lands.
        return new OperatorRequests(store, Clock.systemUTC(), () -> {});
    }

    /** Prints an accepted request's message; a refused one fails the command with the reason. */
    static void report(Result result, PrintWriter out) {
        if (!result.accepted()) throw new CommandFailed(result.message());
        out.println(result.message());
        out.flush();
    }
}
