package dev.pgmanager.sidecar;

import dev.pgmanager.api.OperatorCommands;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HandoverRequest.Kind;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.Versioned;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Operator commands as they reach one sidecar. Cluster-wide ones (switchover, failover, pause) become store
 * records that every member's loop acts on; local ones (restart, reinit) are queued for this member's loop, so that
 * nothing touches the server while a pass runs. The {@code pgmanager} CLI files the cluster-wide ones through this
 * class too, so that an operator's request is checked by the same rules whichever way it arrives.
 */
public final class OperatorRequests implements OperatorCommands {
    /** Work for this member's loop, taken at the start of its next pass. */
    enum LocalWork { RESTART, REINIT }

    private final ClusterStore store;
    private final Clock clock;
    private final Runnable wakeLoop;
    private final AtomicReference<LocalWork> pending = new AtomicReference<>();

    /**
     * @param wakeLoop starts this member's next pass at once; a caller with no loop of its own (the CLI) passes a
     *     no-op, since every sidecar's store watch wakes its loop when a request lands
     */
    public OperatorRequests(ClusterStore store, Clock clock, Runnable wakeLoop) {
        this.store = store;
        this.clock = clock;
        this.wakeLoop = wakeLoop;
    }

    @Override
    public Result switchover(Optional<String> to) {
        ClusterSnapshot cluster = store.read();
        if (cluster.leader().isEmpty()) return Result.refused("no member leads: a switchover needs a leader; use failover");
        String leader = cluster.leader().get().machineId();
        if (to.isPresent()) {
            if (to.get().equals(leader)) return Result.refused(leader + " already leads");
            if (cluster.member(to.get()).isEmpty()) return Result.refused(to.get() + " is not a member of the cluster");
        }
        return file(new HandoverRequest(Kind.SWITCHOVER, leader, to.orElse(null), clock.instant()),
                "switchover from " + leader + " to " + to.orElse("the best replica") + " requested");
    }

    @Override
    public Result failover(String to) {
        ClusterSnapshot cluster = store.read();
        if (cluster.member(to).isEmpty()) return Result.refused(to + " is not a member of the cluster");
        if (cluster.isLeader(to)) return Result.refused(to + " already leads");
        return file(new HandoverRequest(Kind.FAILOVER, null, to, clock.instant()), "failover to " + to + " requested");
    }

    @Override
    public Result restart() {
        return queue(LocalWork.RESTART, "restart of PostgreSQL queued");
    }

    @Override
    public Result reinit() {
        ClusterSnapshot cluster = store.read();
        return queue(LocalWork.REINIT, "re-clone from " + cluster.leader().map(l -> l.machineId()).orElse("the leader") + " queued");
    }

    @Override
    public Result pause() {
        return setPaused(true);
    }

    @Override
    public Result resume() {
        return setPaused(false);
    }

    /** The local work an operator asked for, taken once. */
    Optional<LocalWork> takeLocalWork() {
        return Optional.ofNullable(pending.getAndSet(null));
    }

    private Result file(HandoverRequest request, String message) {
        if (!store.requestHandover(request)) return Result.refused("another switchover or failover is pending");
        wakeLoop.run();
        return Result.accepted(message);
    }

    private Result queue(LocalWork work, String message) {
        if (!pending.compareAndSet(null, work)) return Result.refused("a " + pending.get().name().toLowerCase() + " is already queued");
        wakeLoop.run();
        return Result.accepted(message);
    }

    private Result setPaused(boolean paused) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Versioned<ClusterSpec> spec = store.read().spec();
            if (spec.value().paused() == paused) return Result.accepted(paused ? "already paused" : "not paused");
            try {
                store.compareAndSetSpec(spec.value().withPaused(paused), spec.version());
                return Result.accepted(paused ? "paused: the sidecars observe and report, and change nothing" : "resumed");
            } catch (StaleVersionException e) {
                // someone else changed the spec meanwhile: read it again
            }
        }
        return Result.refused("the spec kept changing under us; try again");
    }
}
