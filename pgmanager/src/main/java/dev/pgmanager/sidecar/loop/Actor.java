package dev.pgmanager.sidecar.loop;

import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.election.LeaderLease;
import dev.pgmanager.ha.Action;
import dev.pgmanager.ha.Decision;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.StopMode;
import dev.pgmanager.sidecar.SidecarMetrics;
import dev.pgmanager.sidecar.reflexes.Failsafe;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.Versioned;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Carries out a decision's actions in order; the first that fails ends the pass (and says why). */
public final class Actor {
    private static final Logger log = LoggerFactory.getLogger(Actor.class);

    private final String me;
    private final ClusterStore store;
    private final LeaderLease lease;
    private final LocalServer server;
    private final Upstreams upstreams;
    private final ReplicationSlots slots;
    private final ClusterSpec bootstrapSpec;
    private final Failsafe failsafe;
    private final Runnable leaseReflex;
    private final SidecarMetrics metrics;
    private final Clock clock;

    /** @param leaseReflex brings the server in line with the lease as it stands now (the lease reflex's own step) */
    public Actor(String me, ClusterStore store, LeaderLease lease, LocalServer server, Upstreams upstreams, ReplicationSlots slots,
            ClusterSpec bootstrapSpec, Failsafe failsafe, Runnable leaseReflex, SidecarMetrics metrics, Clock clock) {
        this.me = me;
        this.leaseReflex = leaseReflex;
        this.store = store;
        this.lease = lease;
        this.server = server;
        this.upstreams = upstreams;
        this.slots = slots;
        this.bootstrapSpec = bootstrapSpec;
        this.failsafe = failsafe;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** @return true when every action succeeded */
    boolean perform(Decision decision, Observation observation) {
        try {
            server.keepClusterParameters(observation.cluster().spec());
        } catch (RuntimeException e) {
            log.warn("applying the cluster's parameters failed: {}", e.getMessage());
        }
        for (Action action : decision.actions()) {
            try {
                perform(action, observation);
            } catch (RuntimeException e) {
                log.warn("{} failed: {}", describe(action), e.getMessage());
                log.debug("{} failed", describe(action), e);
                return false;
            }
        }
        return true;
    }

    /**
     * Restart, re-clone or rejoin, as an operator asked through the API; refused (and logged) when it would be unsafe
     * or failed.
     *
     * @return the outcome, one sentence for the operator
     */
    Result performLocalWork(OperatorRequests.LocalWork work, Optional<Observation> last) {
        try {
            Result result = switch (work.kind()) {
                case RESTART -> restart();
                case REINIT -> reinit(requireOtherLeader(last, "re-clone from"), work.discardOld());
                case REJOIN -> rejoin(requireOtherLeader(last, "rejoin"));
            };
            log.info("operator {}: {}", work.name(), result.message());
            return result;
        } catch (RuntimeException e) {
            log.warn("operator {} failed: {}", work.name(), e.getMessage());
            return Result.refused(work.name() + " failed: " + e.getMessage());
        }
    }

    private Result restart() {
        Optional<String> failedRewind = server.failedRewind();
        if (failedRewind.isPresent()) {
            // pg_rewind may have stopped half-way: started, that data could serve or stream a mix of two histories.
            return Result.refused("PostgreSQL is kept stopped since a rejoin could not rewind its data (" + failedRewind.get()
                    + "). Re-clone it: pgmanager reinit " + me + "; or, once the cause is fixed, pgmanager rejoin " + me);
        }
        log.info("restarting PostgreSQL as an operator asked");
        server.restart();
        return Result.accepted("PostgreSQL restarted");
    }

    private record Following(Observation observation, MachineId leader) {}

    private Following requireOtherLeader(Optional<Observation> last, String what) {
        Observation o = last.orElseThrow(() -> new ActionFailedException("nothing observed yet; try again in a moment"));
        MachineId leader = o.otherLeader().map(l -> MachineId.of(l.machineId())).orElseThrow(() -> new ActionFailedException(o.iLead()
                ? me + " leads the cluster: there is no one to " + what + "; switch over first (pgmanager switchover)"
                : "no member leads the cluster: there is no one to " + what));
        return new Following(o, leader);
    }

    private Result reinit(Following f, boolean discardOld) {
        log.info("re-cloning from {} as an operator asked", f.leader());
        Path aside = server.reclone(upstreams.of(f.leader(), f.observation().cluster()), f.leader());
        String kept;
        if (discardOld) {
            server.controller().deleteMovedAside(aside);
            kept = "the previous data directory (moved to " + aside + ") was deleted, as --discard-old asked";
        } else {
            kept = "the previous data is kept at " + aside + "; delete it once you no longer need it";
        }
        history(f.observation(), "reinit", "re-cloned from " + f.leader() + " as an operator asked; " + kept);
        return Result.accepted(me + " re-cloned from " + f.leader() + " and follows it; " + kept);
    }

    private Result rejoin(Following f) {
        log.info("rejoining {} as an operator asked", f.leader());
        Optional<String> problem = server.rejoin(upstreams.of(f.leader(), f.observation().cluster()), f.leader());
        if (problem.isPresent()) {
            history(f.observation(), "rejoin-failed", problem.get());
            return Result.refused(problem.get() + "; PostgreSQL is left stopped with its data in place (the member's log has "
                    + "pg_rewind's output). Re-clone it: pgmanager reinit " + me + "; or, once the cause is fixed, pgmanager rejoin " + me);
        }
        history(f.observation(), "rejoin", "rewound onto " + f.leader() + "'s history and follows it, as an operator asked");
        return Result.accepted(me + " rewound onto the history of " + f.leader() + " and follows it");
    }

    private void perform(Action action, Observation o) {
        switch (action) {
            case Action.AcquireLease a -> {
                Leader taken = failsafe.unlessPromised(lease::tryAcquire)
                        .orElseThrow(() -> new ActionFailedException("someone else took the lease first"));
                log.info("took the lease with epoch {}", taken.epoch());
            }
            case Action.ReleaseLease a -> lease.release();
            case Action.ReleaseStaleLease a -> lease.releaseStale(a.record());
            case Action.RemoveUnreadableLeader a -> store.removeUnreadableLeader();
            case Action.ApplyLeaseReflex a -> leaseReflex.run();
            case Action.InitializeCluster a -> initialize();
            case Action.RecordIdentity a -> recordIdentity();
            case Action.CloneFrom a -> server.cloneFrom(upstreams.of(a.leader(), o.cluster()), a.leader());
            case Action.StartAsPrimary a -> server.startAsPrimary();
            case Action.StartAsReplica a -> server.startAsReplica(a.leader().map(l -> upstreams.of(l, o.cluster())), a.leader());
            case Action.Promote a -> promote(o);
            case Action.FollowSource a -> {
                log.info("{} the primary outside the cluster, {}", a.start() ? "starting as a replica of" : "following", a.source());
                server.followSource(upstreams.source(a.source()), a.start());
            }
            case Action.Follow a -> server.follow(upstreams.at(a.leader(), a.address(), o.cluster()), a.leader());
            case Action.Demote a -> server.demote(a.leader().map(l -> upstreams.of(l, o.cluster())), a.leader());
            case Action.Rewind a -> server.rewindOrReclone(upstreams.of(a.leader(), o.cluster()), a.leader());
            case Action.HandOver a -> handOver(a.target(), o);
            case Action.KeepSlots a -> slots.keep(a.members(), clock.instant());
            case Action.DropIdleSlots a -> slots.dropIdle(a.names());
            case Action.WriteSyncState a -> {
                Leader held = heldLease();
                store.writeSyncState(held, new SyncState(me, held.epoch(), a.standbys(), a.quorum()));
            }
            case Action.ClearSyncState a -> store.clearSyncState(heldLease());
            case Action.SetStandbyNames a -> server.setStandbyNames(a.names());
            case Action.ClearHandover a -> {
                store.clearHandover();
                if (a.outcome() instanceof Action.ClearHandover.Cancelled(String why)) history(o, "handover-cancelled", why);
            }
        }
    }

    private Leader heldLease() {
        return lease.held().orElseThrow(() -> new ActionFailedException("the lease is not held (or not confirmed recently)"));
    }

    private void initialize() {
        server.initialize();
        String systemIdentifier = Long.toUnsignedString(server.systemIdentifier());
        // The spec before the identity: a standby cluster's leader must find standbyOf in it on every pass from the one
        // that sees the cluster initialized, or it would be promoted while its source still takes writes.
        writeBootstrapSpec();
        if (!store.initialize(new ClusterIdentity(me, systemIdentifier, clock.instant()))) {
            throw new ActionFailedException("another member recorded the cluster's identity first; my new data is not the cluster's");
        }
        store.appendHistory(new HistoryEntry(clock.instant(), "bootstrap", me, lease.held().map(Leader::epoch).orElse(0L), 1,
                "initialized the cluster (system identifier " + systemIdentifier + ")"));
    }

    /** The bootstrap spec, unless one exists; one that exists gets the bootstrap's standbyOf when it lacks it. */
    private void writeBootstrapSpec() {
        for (int attempt = 0; attempt < 5; attempt++) {
            Versioned<ClusterSpec> existing = store.read().spec();
            try {
                if (!existing.exists()) {
                    store.compareAndSetSpec(bootstrapSpec, Versioned.ABSENT);
                } else if (bootstrapSpec.standbyOf().isPresent() && existing.value().standbyOf().isEmpty()) {
                    store.compareAndSetSpec(existing.value().withStandbyOf(bootstrapSpec.standbyOf()), existing.version());
                } else {
                    log.info("the cluster already has a spec; keeping it");
                }
                return;
            } catch (StaleVersionException e) {
                // someone else wrote the spec meanwhile: read it again
            }
        }
        throw new ActionFailedException("the cluster's spec kept changing while it was being initialized; trying again next pass");
    }

    private void recordIdentity() {
        String systemIdentifier = Long.toUnsignedString(server.systemIdentifier());
        store.initialize(new ClusterIdentity(me, systemIdentifier, clock.instant()));
    }

    private void promote(Observation o) {
        server.promote();
        Optional<HandoverRequest> request = o.cluster().handover();
        metrics.promoted(request.map(r -> r.kind() == HandoverRequest.Kind.SWITCHOVER).orElse(false));
        String kind = request.map(r -> r.kind().name().toLowerCase()).orElse("failover");
        String detail = request.map(r -> kind + " requested" + (r.from() != null ? " from " + r.from() : ""))
                .orElse("no leader; promoted as the best candidate");
        history(o, kind, detail);
    }

    private void handOver(MachineId target, Observation o) {
        HandoverRequest current = o.cluster().handover().orElseThrow();
        // Pin the target in the store before stepping down, so that only it takes the lease.
        HandoverRequest pinned = new HandoverRequest(current.kind(), me, target.value(), current.requestedAt());
        store.replaceHandover(pinned);
        long lastRecord = server.stopWritingWal().value();
        // Then say where this server stopped writing: the target takes over only if it has WAL past that point (a
        // replica that fell away just before the stop does not, and would lose the last acknowledged writes).
        store.replaceHandover(pinned.withLastLsn(lastRecord));
        // Released as soon as the target has all the WAL, not after the server exits: at a fast shutdown's end, the
        // archiver pushes the last segment to the backup repository, which takes a few hundred milliseconds of writes
        // refused. The new leader pushes the segments of the previous timeline that the archive lacks.
        lease.release();
        log.info("stepped down for {}; it takes over now", target);
        steppedDown(o.me());
        server.stop(StopMode.FAST);
    }

    /**
     * Says in this member's record that it no longer leads, before the server's last archiving round ends and the next
     * pass publishes what is left of it: until then the record would show a primary that leads beside the new one.
     */
    private void steppedDown(Member me) {
        try {
            store.touchMember(new Member(me.machineId(), me.region(), me.role(), MemberState.RUNNING_WITHOUT_LEASE, me.timeline(),
                    me.receivedPosition(), me.replayedPosition(), me.tags(), me.databasePort(), me.apiPort(), me.diskFull(),
                    Optional.empty(), me.backupSource(), me.pendingRestart(), clock.instant()));
        } catch (RuntimeException e) {
            log.warn("could not say in my record that I stepped down (the next pass does): {}", e.getMessage());
        }
    }

    private void history(Observation o, String kind, String detail) {
        try {
            store.appendHistory(new HistoryEntry(clock.instant(), kind, me, lease.held().map(Leader::epoch).orElse(0L),
                    server.lastSeen().timeline(), detail));
        } catch (RuntimeException e) {
            log.warn("could not record '{}' in the history: {}", kind, e.getMessage());
        }
    }

    private static String describe(Action action) {
        return action.getClass().getSimpleName();
    }

    /** An action that could not be carried out; the message says why. */
    public static final class ActionFailedException extends RuntimeException {
        public ActionFailedException(String message) {
            super(message);
        }
    }
}
