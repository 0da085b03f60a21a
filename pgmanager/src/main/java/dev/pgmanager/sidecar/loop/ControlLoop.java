package dev.pgmanager.sidecar.loop;

import dev.pgmanager.ha.Action;
import dev.pgmanager.ha.Decider;
import dev.pgmanager.ha.Decision;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.ha.Pass;
import dev.pgmanager.logging.LogFields;
import dev.pgmanager.sidecar.SidecarMetrics;
import dev.pgmanager.sidecar.Uptime;
import dev.pgmanager.sidecar.volume.DiskFullGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * observe → decide → act, once every {@code loopWait} and at once when woken (a store watch, a lease change). One
 * thread runs every pass, so actions on the local server never overlap.
 */
public final class ControlLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);
    /** The words that start the line saying when the first observation came (see {@link #logFirstObservation}). */
    public static final String FIRST_OBSERVATION = "first observation of the cluster";
    /** Wake-ups closer together than this are merged, so bursts of store events cannot spin the loop. */
    private static final Duration MIN_GAP = Duration.ofMillis(50);

    private final Observer observer;
    private final Decider decider;
    private final Actor actor;
    private final OperatorRequests operatorRequests;
    private final DiskFullGuard diskGuard;
    private final Duration loopWait;
    private final SidecarMetrics metrics;
    private final Clock clock;
    private final LatestPass lastPass;
    private final WakeSignal wakeSignal;
    private volatile boolean stopping;
    private volatile boolean stopAfterHandOver;
    private String lastReason = "";
    private String lastFailure = "";
    private boolean observedOnce;

    public ControlLoop(Observer observer, Decider decider, Actor actor, OperatorRequests operatorRequests, DiskFullGuard diskGuard,
                LatestPass lastPass, WakeSignal wakeSignal, Duration loopWait, SidecarMetrics metrics, Clock clock) {
        this.observer = observer;
        this.decider = decider;
        this.actor = actor;
        this.operatorRequests = operatorRequests;
        this.diskGuard = diskGuard;
        this.lastPass = lastPass;
        this.wakeSignal = wakeSignal;
        this.loopWait = loopWait;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void run() {
        while (!stopping) {
            long started = System.nanoTime();
            boolean succeeded = runOnePass();
            metrics.passFinished(Duration.ofNanos(System.nanoTime() - started), succeeded);
            sleepUntilWoken();
        }
    }

    /**
     * How long this process took to see the cluster for the first time: a sidecar restarts on every migration, and until
     * it observes, its member is not looked after. {@code bench failover} reads this line.
     */
    private void logFirstObservation() {
        observedOnce = true;
        Uptime.processAge().ifPresent(age -> log.info("{} {} ms after the process started", FIRST_OBSERVATION, age.toMillis()));
    }

    public void stop() {
        stopping = true;
        wakeSignal.wake();
    }

    /**
     * Ends the loop right after this member steps down in a hand-over: a member that is stopping must not go on to
     * rewind and restart its server as a replica of the new leader.
     */
    public void stopAfterHandOver() {
        stopAfterHandOver = true;
        wakeSignal.wake();
    }

    /** @return whether it observed the cluster and carried out everything it decided */
    private boolean runOnePass() {
        // First, and whether or not the store can be reached: a filling volume does not wait for the cluster.
        diskGuard.check();
        operatorRequests.takeLocalWork().ifPresent(work -> work.outcome().complete(actor.performLocalWork(work, observer.lastObservation())));
        Observation observation;
        try {
            observation = observer.observe();
        } catch (RuntimeException e) {
            // Without a fresh view nothing may change; a primary is fenced by the lease, not by this loop.
            String failure = "cannot observe the cluster: " + e.getMessage();
            if (!failure.equals(lastFailure)) log.warn("{}; doing nothing until it can", failure);
            lastFailure = failure;
            observer.lastObservation().ifPresent(previous -> lastPass.set(
                    new Pass(previous, Decision.none(failure), clock.instant())));
            return false;
        }
        LogFields.epoch(observation.cluster().leader().map(l -> OptionalLong.of(l.epoch())).orElse(OptionalLong.empty()));
        if (!observedOnce) logFirstObservation();
        if (!lastFailure.isEmpty()) log.info("observing the cluster again");
        lastFailure = "";
        Decision decision = decider.decide(observation);
        boolean changesSomething = decision.actions().stream().anyMatch(a -> !a.isUpkeep());
        if (changesSomething || !decision.reason().equals(lastReason)) {
            log.info("{}", decision.reason());
        }
        lastReason = decision.reason();
        boolean completed = actor.perform(decision, observation);
        lastPass.set(new Pass(observation, decision, clock.instant()));
        // A new primary says so in its record at once, not a loop_wait later: the other members' routers wait for it
        if (completed && decision.actions().stream().anyMatch(a -> a instanceof Action.Promote || a instanceof Action.StartAsPrimary)) {
            wakeSignal.wakeAtOnce();
        }
        if (completed && stopAfterHandOver && decision.actions().stream().anyMatch(a -> a instanceof Action.HandOver)) {
            stopping = true;
            return true;
        }
        // After a change, look again at once (publish the new role, continue a hand-over); after a failure, wait.
        if (completed && changesSomething) wakeSignal.wake();
        return completed;
    }

    private void sleepUntilWoken() {
        try {
            wakeSignal.pause(MIN_GAP);
            // stop() wakes the signal after setting stopping: no extra check needed while waiting.
            wakeSignal.await(loopWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
