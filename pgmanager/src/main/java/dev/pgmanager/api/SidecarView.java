package dev.pgmanager.api;

import dev.pgmanager.ha.Pass;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What the HTTP API reads from the running sidecar. */
public interface SidecarView {

    /** The last completed pass of the control loop, if one completed. */
    Optional<Pass> lastPass();

    /** The configured pause between passes; the loop counts as stale after a few of these. */
    Duration loopWait();

    /** Default replica lag limit for readiness, in bytes. */
    long readinessLagBytes();

    /** The address {@code machineId} resolves to right now, or empty when it does not resolve. */
    Optional<InetAddress> addressOf(MachineId machineId);

    /** The cluster's history, oldest first (read from the store when asked). */
    List<HistoryEntry> history();

    /**
     * Why stopping this member now would break the store's quorum, or empty when it would not. The store runs outside
     * the members (an external ZooKeeper ensemble, or the local platform's server), so stopping a member never
     * touches its quorum: hence the default. A member that serves in an embedded ensemble must answer here.
     */
    default Optional<String> whyStopBreaksStoreQuorum() {
        return Optional.empty();
    }

    /** Room on the file system of the data directory, read when asked; empty when unknown. */
    default Optional<DiskSpace> dataDirectorySpace() {
        return Optional.empty();
    }

    /**
     * Failsafe mode: the primary {@code leader}, cut off from the store, asks whether this member follows it. Empty
     * (yes, and this member promises not to take the lease for a session timeout) or why not.
     */
    default Optional<String> promiseToFollow(MachineId leader) {
        return Optional.of("this member does not answer failsafe requests");
    }

    /** In store mode ensemble, what each ZooKeeper peer does now (asked when called); empty with an external store. */
    default Optional<EnsembleStatus.Report> ensemble() {
        return Optional.empty();
    }

    /** The machine ID in a member's DNS name, if it is one. */
    default Optional<String> machineIdOfName(String host) {
        return Optional.empty();
    }

    /** The stale-address rewriter's state; it never affects anything else the API reports. */
    RewriterReport rewriter();
}
