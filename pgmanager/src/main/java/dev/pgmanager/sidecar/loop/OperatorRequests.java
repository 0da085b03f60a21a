package dev.pgmanager.sidecar.loop;

import dev.pgmanager.api.OperatorCommands;
import dev.pgmanager.ha.FailoverCost;
import dev.pgmanager.ha.SwitchoverTarget;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HandoverRequest.Kind;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Operator commands as they reach one sidecar. Cluster-wide ones (switchover, failover, pause) become store
 * records that every member's loop acts on; local ones (restart, reinit, rejoin) are queued for this member's loop,
 * so that nothing touches the server while a pass runs, and the request answers with their outcome. The {@code pgmanager} CLI files the cluster-wide ones through this
 * class too, so that an operator's request is checked by the same rules whichever way it arrives.
 */
public final class OperatorRequests implements OperatorCommands {
    /** How long an operator's request for local work waits for its outcome before answering that it still runs. */
    public static final Duration LOCAL_WORK_WAIT = Duration.ofMinutes(10);

    /** Kinds of work for this member's loop. */
    enum LocalWorkKind { RESTART, REINIT, REJOIN }

    /**
     * Work for this member's loop, taken at the start of its next pass; the operator's request waits for its outcome.
     *
     * @param discardOld reinit only: delete the moved-aside data once the clone succeeded
     */
    record LocalWork(LocalWorkKind kind, boolean discardOld, CompletableFuture<Result> outcome) {
        String name() {
            return kind.name().toLowerCase(Locale.ROOT);
        }
    }

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
            Optional<Member> target = cluster.member(to.get());
            if (target.isEmpty()) return Result.refused(to.get() + " is not a member of the cluster");
            Optional<String> ineligible = whyNotSwitchoverTarget(cluster, leader, target.get());
            if (ineligible.isPresent()) {
                return Result.refused("refusing the switchover to " + to.get() + ": " + ineligible.get()
                        + " (a failover moves leadership without these checks and may lose writes)");
            }
        }
        return file(new HandoverRequest(Kind.SWITCHOVER, leader, to.orElse(null), clock.instant()),
                "switchover from " + leader + " to " + to.orElse("the best replica") + " requested");
    }

    /** The leader's own rule, judged by its published record; without one, the leader judges when it sees the request. */
    private static Optional<String> whyNotSwitchoverTarget(ClusterSnapshot cluster, String leader, Member target) {
        return cluster.member(leader).flatMap(l -> SwitchoverTarget.whyNot(cluster, leader, target, l.timeline(),
                l.replayedPosition() < 0 ? OptionalLong.empty() : OptionalLong.of(l.replayedPosition())));
    }

    @Override
    public Result failover(String to, boolean force) {
        ClusterSnapshot cluster = store.read();
        if (cluster.member(to).isEmpty()) return Result.refused(to + " is not a member of the cluster");
        if (cluster.isLeader(to)) return Result.refused(to + " already leads");
        FailoverCost cost = FailoverCost.of(cluster, to);
        if (!force) {
            Optional<String> refusal = cost.refusal();
            if (refusal.isPresent()) return Result.refused("refusing the failover to " + to + ": " + refusal.get());
        }
        String loss = force ? cost.loss().map(l -> "; " + l).orElse("") : "";
        return file(new HandoverRequest(Kind.FAILOVER, null, to, clock.instant()), "failover to " + to + " requested" + loss);
    }

    @Override
    public Result restart() {
        return queue(LocalWorkKind.RESTART, false);
    }

    @Override
    public Result reinit(boolean discardOld) {
        return queue(LocalWorkKind.REINIT, discardOld);
    }

    @Override
    public Result rejoin() {
        return queue(LocalWorkKind.REJOIN, false);
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

    /** Queues the work and waits for the loop to carry it out, at most {@link #LOCAL_WORK_WAIT}. */
    private Result queue(LocalWorkKind kind, boolean discardOld) {
        LocalWork work = new LocalWork(kind, discardOld, new CompletableFuture<>());
        if (!pending.compareAndSet(null, work)) {
            LocalWork queued = pending.get();
            return Result.refused("a " + (queued == null ? "request" : queued.name()) + " is already queued");
        }
        wakeLoop.run();
        try {
            return work.outcome().get(LOCAL_WORK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Result.accepted(work.name() + " still running after " + LOCAL_WORK_WAIT.toMinutes()
                    + " min; the member's log tells how it ends");
        } catch (ExecutionException e) {
            return Result.refused(work.name() + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.accepted(work.name() + " queued; stopped waiting for it");
        }
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
