package dev.pgmanager.sidecar.loop;

import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.LocalPostgres.DataState;
import dev.pgmanager.ha.LocalPostgres.Following;
import dev.pgmanager.ha.LocalPostgres.Server;
import dev.pgmanager.ha.LocalPostgres.WalPositions;
import dev.pgmanager.ha.Replication;
import dev.pgmanager.ha.StandbyNames;
import dev.pgmanager.ha.SynchronousSettings;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.ControlData;
import dev.pgmanager.postgres.FrozenServer;
import dev.pgmanager.postgres.Lsn;
import dev.pgmanager.postgres.PastSwitchpoint;
import dev.pgmanager.postgres.PgRole;
import dev.pgmanager.postgres.PgStatus;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.PostgresException;
import dev.pgmanager.postgres.RewindFailedException;
import dev.pgmanager.postgres.StopMode;
import dev.pgmanager.postgres.Upstream;
import dev.pgmanager.sidecar.reflexes.Watchdog;
import dev.pgmanager.sidecar.volume.FailedRewindRecord;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's PostgreSQL as the control loop sees and drives it: the controller's detailed view condensed into a
 * {@link LocalPostgres}, and the few compound steps the loop takes (demote, rewind-or-re-clone). Remembers which
 * member it follows: that lives only in memory and in the server's own configuration, never in the store.
 */
public final class LocalServer {
    private static final Logger log = LoggerFactory.getLogger(LocalServer.class);

    private final PostgresController controller;
    private final Watchdog watchdog;
    private final FailedRewindRecord failedRewind;
    private volatile MachineId following;
    private volatile LocalPostgres lastSeen = LocalPostgres.empty();
    private volatile PgStatus lastStatus = PgStatus.stopped();
    /**
     * The divergence a rewind was made for: should the replica still be past that same switchpoint afterwards (pg_rewind
     * found nothing to do), it is no longer reported, so that the rewind is not repeated every pass; the 15 s rule,
     * counted per server start, then applies.
     */
    private PastSwitchpoint rewoundPast;
    /** Where the primary's WAL was once its synchronous_standby_names surely applied to every process; empty: not yet. */
    private volatile OptionalLong standbyNamesAppliedAt = OptionalLong.empty();
    private String systemIdentifier;
    private final FirstData firstData;
    /**
     * The postmaster the lease reflex stopped and the epoch it led in, until another postmaster runs (null: none): a
     * paused cluster's leader starts again the primary it stopped itself, never one an operator stopped. Kept by PID, not
     * cleared by a pass that saw the server running, since that pass may have looked just before the fence.
     */
    private volatile FencedPostmaster fenced;

    private record FencedPostmaster(long pid, long epoch) {}

    /**
     * The server the lease reflex froze while its lease was in doubt, and the epoch it led in (null: none): the loop
     * leaves it alone (it answers no query) until it is thawed or killed. Changed only under {@link #fencing}.
     */
    private volatile Frozen frozen;

    private record Frozen(FrozenServer server, OptionalLong epoch) {}

    /**
     * Freezing, thawing, fencing and the loop's look at a frozen server take turns: the lease reflex and the control loop
     * both do them, and neither may act on what the other is changing.
     */
    private final Object fencing = new Object();
    /** The cluster's parameters as last written to the data directory; null until the first pass writes them. */
    private Map<String, String> appliedParameters;

    /**
     * How a new cluster's first member fills its empty data directory: {@code initdb}, or a restore from another
     * cluster's backups. It must leave a stopped primary's data directory, or an empty one and an exception.
     */
    public interface FirstData {
        void fill(PostgresController controller);
    }

    public LocalServer(PostgresController controller, Watchdog watchdog, FailedRewindRecord failedRewind) {
        this(controller, watchdog, failedRewind, PostgresController::initdb);
    }

    public LocalServer(PostgresController controller, Watchdog watchdog, FailedRewindRecord failedRewind, FirstData firstData) {
        this.controller = controller;
        this.watchdog = watchdog;
        this.failedRewind = failedRewind;
        this.firstData = firstData;
    }

    LocalPostgres observe() {
        DataState data = switch (controller.dataDirectoryState()) {
            case EMPTY -> DataState.EMPTY;
            case CLUSTER -> DataState.CLUSTER;
            case FOREIGN -> DataState.FOREIGN;
        };
        if (data != DataState.CLUSTER) {
            systemIdentifier = null;
            appliedParameters = null;
            lastStatus = PgStatus.stopped();
            lastSeen = data == DataState.EMPTY ? LocalPostgres.empty() : LocalPostgres.foreign();
            return lastSeen;
        }
        synchronized (fencing) {
            Frozen holding = frozen;
            if (holding != null && !holding.server().postmasterEnded()) {
                lastSeen = lastSeen.withFrozen(true);
                return lastSeen;
            }
            if (holding != null) {
                // Its postmaster was killed from outside (the OOM killer, kill -9): the stopped processes left would
                // never run to notice, and would hold its shared memory so that no new postmaster could start.
                controller.kill(holding.server());
                frozen = null;
            } else if (controller.isFrozen()) {
                // Not by this sidecar: by its previous run, stopped while its lease was in doubt (it cannot know whether
                // that lease still holds), or by hand. Thawed, it could commit on a lease long gone.
                log.warn("PostgreSQL is frozen (SIGSTOP), and not by this sidecar: killing it, since nobody can tell whether "
                        + "the lease it wrote under still holds");
                controller.stop(StopMode.IMMEDIATE);
            }
        }
        PgStatus status = controller.status();
        lastStatus = status;
        if (!status.running()) {
            ControlData control = controller.controlFile();
            systemIdentifier = Long.toUnsignedString(control.systemIdentifier());
            lastSeen = LocalPostgres.stopped(systemIdentifier, control.checkpointTimeline(), control.lastRanAsPrimary())
                    .withFailedRewind(failedRewind.read()).withFencedInEpoch(fencedEpoch());
            return lastSeen;
        }
        FencedPostmaster stopped = fenced;
        if (stopped != null && controller.pid().orElse(stopped.pid()) != stopped.pid()) fenced = null;
        // The identity cannot change under a running server: read it once per start, not every pass.
        if (systemIdentifier == null) systemIdentifier = Long.toUnsignedString(controller.systemIdentifier());
        boolean primary = status.role() == PgRole.PRIMARY;
        Server server;
        if (primary) {
            server = Server.primary(position(status.currentWalLsn()));
        } else {
            WalPositions wal = new WalPositions(position(status.receivedLsn().or(status::replayedLsn)), position(status.replayedLsn()));
            boolean streaming = status.walReceiver().map(w -> "streaming".equals(w.status())).orElse(false);
            server = Server.replica(wal, Optional.ofNullable(following).map(leader -> new Following(leader, followedAddress())), streaming)
                    .withIdleSlots(status.idleSlots());
            // Its WAL receiver streams the old timeline for a moment, over and over: that is not following anyone.
            if (status.pastSwitchpoint().isPresent() && !sameDivergence(status.pastSwitchpoint().get(), rewoundPast)) {
                PastSwitchpoint past = status.pastSwitchpoint().get();
                server = server.withPastSwitchpoint(new LocalPostgres.PastSwitchpoint(past.timeline(), past.switchpoint().value(),
                        past.replayed().value()));
            }
        }
        lastSeen = LocalPostgres.running(systemIdentifier, status.timeline(), server).withFailedRewind(failedRewind.read());
        guardWrites(primary);
        // Taken a pass after the change (or after this sidecar started), when every server process has long re-read
        // its configuration: a commit acknowledged under the previous value is behind this position.
        if (primary && standbyNamesAppliedAt.isEmpty()) standbyNamesAppliedAt = server.wal().received();
        if (!primary) standbyNamesAppliedAt = OptionalLong.empty();
        return lastSeen;
    }

    /** Synchronous replication as the last observation saw it (the standbys are a primary's). */
    Replication replication(SynchronousSettings settings) {
        if (lastSeen.data() != DataState.CLUSTER) return Replication.configured(settings);
        // No file: pgmanager never set it, and PostgreSQL's default is asynchronous.
        Optional<StandbyNames> applied = controller.synchronousStandbyNames().map(StandbyNames::parse)
                .orElse(Optional.of(StandbyNames.ASYNCHRONOUS));
        Map<String, Replication.Standby> standbys = new HashMap<>();
        lastStatus.replicas().forEach(r -> standbys.put(r.applicationName(),
                new Replication.Standby(r.state(), position(r.flushLsn()), r.syncState())));
        return new Replication(settings, applied, standbyNamesAppliedAt, standbys);
    }

    /** Sets the server's synchronous_standby_names; its confirmations count from the next observation on. */
    void setStandbyNames(StandbyNames names) {
        controller.setSynchronousStandbyNames(names.render());
        standbyNamesAppliedAt = OptionalLong.empty();
    }

    /**
     * Keeps the server's configuration at the cluster's parameters ({@code spec}): written and reloaded when they
     * changed. A spec that could not be read (no version) changes nothing: the store's trouble must not undo them.
     */
    void keepClusterParameters(dev.pgmanager.store.Versioned<dev.pgmanager.store.ClusterSpec> spec) {
        if (!spec.exists() || lastSeen.data() != DataState.CLUSTER) return;
        Map<String, String> parameters = spec.value().parameters();
        if (parameters.equals(appliedParameters)) return;
        // After a start the file is what the server read; later, a change is reloaded even when a pass that failed
        // half-way wrote the file already
        if (controller.applyClusterParameters(parameters, appliedParameters != null)) {
            log.info("the cluster's parameters are now {}", parameters.isEmpty() ? "none" : parameters);
        }
        appliedParameters = parameters;
    }

    /** What the last observation saw, without asking the server (for the lease reflex, which must not wait). */
    public LocalPostgres lastSeen() {
        return lastSeen;
    }

    /** The server's own detail from the last observation (a primary's replication connections), for the metrics. */
    public PgStatus lastStatus() {
        return lastStatus;
    }

    long systemIdentifier() {
        return controller.systemIdentifier();
    }

    void initialize() {
        firstData.fill(controller);
        controller.start();
    }

    void startAsPrimary() {
        controller.start();
    }

    void startAsReplica(Optional<Upstream> upstream, Optional<MachineId> leader) {
        standBy(upstream, leader);
        controller.start();
    }

    void cloneFrom(Upstream upstream, MachineId leader) {
        controller.cloneFrom(upstream);
        failedRewind.clear();
        following = leader;
        controller.start();
    }

    void promote() {
        controller.promote();
        following = null;
    }

    /** Streams from the primary outside the cluster (a standby cluster's leader), starting the server when asked. */
    void followSource(Upstream source, boolean start) {
        controller.follow(source);
        failedRewind.clear();
        following = null;
        if (start) controller.start();
    }

    /** Fills the empty data directory with a base backup of the primary outside the cluster (a standby cluster's first member). */
    void cloneSource(Upstream source) {
        controller.cloneFrom(source);
        following = null;
    }

    void follow(Upstream upstream, MachineId leader) {
        controller.follow(upstream);
        following = leader;
    }

    private OptionalLong fencedEpoch() {
        FencedPostmaster stopped = fenced;
        return stopped == null ? OptionalLong.empty() : OptionalLong.of(stopped.epoch());
    }

    /** Stops accepting writes now: an immediate stop (a kill, if frozen), so no transaction commits after this returns. */
    public void fence() {
        synchronized (fencing) {
            Frozen holding = frozen;
            try {
                if (holding != null) controller.kill(holding.server());
                // And whatever runs now, should another postmaster have started since it was frozen
                watchdog.disarm();
                controller.stop(StopMode.IMMEDIATE);
            } finally {
                // Whatever came of it: a server still frozen without the mark is killed at the loop's next look.
                frozen = null;
            }
        }
    }

    /**
     * {@link #fence} by the lease reflex, whose primary held the lease of {@code epoch} (the one it was frozen in, if it
     * was) until it came into doubt: a paused cluster's leader may start this server again (see {@code Decider}), never
     * one stopped any other way. Marked before the stop (a pass that looks meanwhile must not find it stopped and
     * unmarked), unmarked if the stop failed.
     *
     * @return whether a server ran (or was frozen) to be stopped
     */
    public boolean fenceForLease(OptionalLong epoch) {
        synchronized (fencing) {
            Frozen holding = frozen;
            OptionalLong ledIn = holding != null && holding.epoch().isPresent() ? holding.epoch() : epoch;
            OptionalLong postmaster = controller.pid();
            if (ledIn.isPresent()) postmaster.ifPresent(pid -> fenced = new FencedPostmaster(pid, ledIn.getAsLong()));
            try {
                fence();
            } catch (RuntimeException e) {
                fenced = null;
                throw e;
            }
            return postmaster.isPresent() || holding != null;
        }
    }

    /**
     * The lease reflex's first step when the lease comes into doubt: the primary stops where it is, committing nothing,
     * but keeps its connections and its place. {@link #thaw} undoes it if the lease is confirmed again; {@link
     * #fenceForLease} kills it if the lease is lost. The watchdog stands down while it is frozen (a frozen server writes
     * nothing) and is armed again before the thaw. Falls back to a fence when it cannot freeze.
     *
     * @param epoch the epoch of the lease the primary held, if the loop saw it held
     * @return whether it froze a server (false: none ran, it was frozen already, or it could not and was fenced instead)
     */
    public boolean freezeForLease(OptionalLong epoch) {
        synchronized (fencing) {
            if (frozen != null) return false;
            Optional<FrozenServer> stopped;
            try {
                stopped = controller.freeze();
            } catch (RuntimeException e) {
                log.error("could not freeze PostgreSQL ({}): stopping it instead", e.getMessage());
                fenceForLease(epoch);
                return false;
            }
            if (stopped.isEmpty()) return false;
            frozen = new Frozen(stopped.get(), epoch);
            watchdog.disarm();
            return true;
        }
    }

    /**
     * Lets the primary {@link #freezeForLease} froze go on, once the lease is confirmed again: the watchdog is armed
     * first, with the deadline of that confirmation, so that a sidecar stalling right after cannot leave it writing.
     *
     * @param mayWrite whether the lease allows writing now: asked again after the guard is armed (a process start, slow
     *     under a load), right before the thaw
     * @return whether it thawed it (false: none is frozen, its postmaster is gone, or the lease allows no writes now)
     */
    public boolean thaw(BooleanSupplier mayWrite) {
        synchronized (fencing) {
            Frozen holding = frozen;
            if (holding == null || holding.server().postmasterEnded()) return false;
            if (!watchdog.arm(holding.server().postmaster().pid()) || !mayWrite.getAsBoolean()) return false;
            controller.thaw(holding.server());
            frozen = null;
            return true;
        }
    }

    /** The running postmaster's PID, if a server runs. */
    OptionalLong postmasterPid() {
        return controller.pid();
    }

    /** True while a primary {@link #freezeForLease} froze waits to be thawed or fenced. */
    public boolean isFrozen() {
        return frozen != null;
    }

    /** Becomes a replica of {@code leader} (or a replica waiting for a leader), rewinding when needed. */
    void demote(Optional<Upstream> upstream, Optional<MachineId> leader) {
        fence();
        if (upstream.isPresent()) {
            rewindOrReclone(upstream.get(), leader.orElseThrow());
        } else {
            standBy(Optional.empty(), Optional.empty());
            controller.start();
        }
    }

    private static boolean sameDivergence(PastSwitchpoint past, PastSwitchpoint rewound) {
        return rewound != null && past.timeline() == rewound.timeline() && past.switchpoint().equals(rewound.switchpoint());
    }

    /**
     * Brings diverged data onto {@code leader}'s history with pg_rewind (a no-op when nothing diverged); when that
     * fails, moves the data aside (never deletes it) and clones afresh.
     */
    void rewindOrReclone(Upstream upstream, MachineId leader) {
        PastSwitchpoint divergence = lastStatus.pastSwitchpoint().orElse(null);
        try {
            controller.rewind(upstream);
            // remembered only once acted on: a rewind put off (its source not ready) sees the divergence again
            rewoundPast = divergence;
            failedRewind.clear();
            following = leader;
            controller.start();
        } catch (RewindFailedException e) {
            rewoundPast = divergence;
            log.warn("rewind from {} failed ({}); moving the data aside and cloning afresh", leader, e.getMessage());
            reclone(upstream, leader);
        }
    }

    /**
     * An operator's rejoin: drops an upstream pinned with ALTER SYSTEM (it would win over the one we write), rewinds
     * onto {@code leader}'s history (nothing to do when it never diverged) and starts following it. Unlike the loop's
     * own rewind it does not fall back to a re-clone: the operator decides that. A failure is recorded on the volume,
     * and the server stays stopped until a rewind or re-clone succeeds.
     *
     * @return why it failed, in one line, or empty when the member follows the leader now
     */
    Optional<String> rejoin(Upstream upstream, MachineId leader) {
        if (controller.isRunning()) controller.resetPinnedUpstream();
        // a primary without the lease is watched; it stops being one now
        watchdog.disarm();
        try {
            controller.rewind(upstream);
        } catch (RewindFailedException e) {
            log.warn("rewind from {} failed: {}", leader, e.getMessage());
            String reason = "pg_rewind from " + leader + " failed: " + e.briefly();
            // Before the operator hears of it, and on this thread: the loop's next pass already sees it and leaves the data alone.
            failedRewind.write(reason);
            return Optional.of(reason);
        }
        failedRewind.clear();
        following = leader;
        controller.start();
        return Optional.empty();
    }

    /** Moves the data aside and clones {@code leader} into a fresh directory. */
    Path reclone(Upstream upstream, MachineId leader) {
        stop(StopMode.FAST);
        Path aside = controller.moveDataDirectoryAside();
        log.warn("the previous data is kept at {}; remove it once you no longer need it", aside);
        cloneFrom(upstream, leader);
        return aside;
    }

    /**
     * The first half of a clean stop for a switchover: returns once the server writes no more WAL and its replicas have
     * all of it (a fast shutdown sends it before the WAL senders exit); {@link #stop} then waits for the rest.
     *
     * @return where the server's last record starts
     */
    Lsn stopWritingWal() {
        watchdog.disarm();
        return controller.stopWritingWal();
    }

    public void stop(StopMode mode) {
        synchronized (fencing) {
            // A frozen server cannot shut down: it is killed, with the processes it was frozen with
            if (frozen != null) {
                fence();
                return;
            }
            watchdog.disarm();
            controller.stop(mode);
        }
    }

    /** A primary is watched, so that it stops if this sidecar freezes; a replica accepts no writes to guard. */
    private void guardWrites(boolean primary) {
        if (!primary) {
            watchdog.disarm();
            return;
        }
        controller.pid().ifPresent(watchdog::arm);
    }

    /** Restarts the server; refused while it is frozen, and the reflex waits for it (a freeze cannot land half way). */
    void restart() {
        synchronized (fencing) {
            if (frozen != null) {
                throw new PostgresException("PostgreSQL is frozen while this member's lease is in doubt: it goes on when the "
                        + "lease is confirmed, and is stopped if the lease is lost; restart it after that");
            }
            watchdog.disarm();
            controller.restart();
        }
    }

    /** Why an operator's rejoin could not rewind the data, while that is on record (the server is then left stopped). */
    Optional<String> failedRewind() {
        return failedRewind.read();
    }

    PostgresController controller() {
        return controller;
    }

    /** @param upstream where {@code leader}'s server is; both present or both empty */
    private void standBy(Optional<Upstream> upstream, Optional<MachineId> leader) {
        if (upstream.isPresent()) {
            controller.follow(upstream.get());
            following = leader.orElseThrow();
        } else {
            controller.standByWithoutUpstream();
            following = null;
        }
    }

    /**
     * The address the server connects to, read from its own upstream file every pass rather than remembered: it is
     * right after a restart of the sidecar alone, and it shows an address pinned there by hand, which the loop then
     * corrects like any stale address. Empty (unknown: the follower re-points) when the file names none, or names
     * something that is not an address.
     */
    private Optional<InetAddress> followedAddress() {
        return controller.followedAddress().flatMap(LocalServer::literalAddress);
    }

    private static Optional<InetAddress> literalAddress(String text) {
        try {
            return Optional.of(InetAddress.ofLiteral(text));
        } catch (IllegalArgumentException notALiteral) {
            return Optional.empty();
        }
    }

    private static OptionalLong position(Optional<Lsn> lsn) {
        return lsn.map(l -> OptionalLong.of(l.value())).orElse(OptionalLong.empty());
    }
}
