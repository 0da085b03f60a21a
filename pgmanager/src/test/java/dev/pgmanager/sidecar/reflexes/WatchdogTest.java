package dev.pgmanager.sidecar.reflexes;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard process stops its primary when the last confirmation, plus the grace, runs out, and not before: a real
 * guard (bash) watching a real process in the postmaster's place, which takes SIGQUIT as PostgreSQL's immediate stop.
 */
class WatchdogTest {
    private static final Duration GRACE = Duration.ofMillis(300);
    private final Clock clock = Clock.systemUTC();
    private Process postmaster;
    private Watchdog watchdog;

    @AfterEach
    void cleanUp() {
        if (watchdog != null) watchdog.close();
        if (postmaster != null) postmaster.destroyForcibly();
    }

    private Process standIn() throws Exception {
        postmaster = new ProcessBuilder("sleep", "600").start();
        return postmaster;
    }

    @Test
    void aConfirmationThatIsNotRenewedStopsThePrimaryAGraceAfterItRunsOut() throws Exception {
        Instant until = clock.instant().plusMillis(700);
        watchdog = new Watchdog(GRACE, clock, () -> Optional.of(until).filter(clock.instant()::isBefore));
        watchdog.arm(standIn().pid());

        // The heartbeats go on (a sidecar whose lease answers stopped coming), each with the same deadline
        Thread.sleep(Duration.between(clock.instant(), until.plus(GRACE)).minusMillis(150));
        assertTrue(postmaster.isAlive(), "not before the confirmation and the grace ran out");
        assertTrue(postmaster.waitFor(5, TimeUnit.SECONDS), "stopped once they did");
        Instant stopped = clock.instant();
        assertTrue(stopped.isAfter(until.plus(GRACE).minusMillis(150)), "at the deadline, not earlier");
        // The bound that matters: before the server could expire the session (a generous margin for a loaded machine)
        assertTrue(stopped.isBefore(until.plus(GRACE).plusSeconds(1)), "at the deadline, not later: " + stopped);
    }

    @Test
    void aSidecarStalledLongerThanTheGraceOnAFreshConfirmationDoesNotTripTheGuard() throws Exception {
        // Confirmed every moment for 1.5 s ahead; the heartbeats stop for three graces, then resume
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean stalled = new AtomicBoolean();
        AtomicReference<Instant> stallEnds = new AtomicReference<>(Instant.MAX);
        watchdog = new Watchdog(GRACE, clock, () -> {
            // the first question is the arming's, the next ones the feeder's
            if (asked.incrementAndGet() == 3 && stalled.compareAndSet(false, true)) {
                stallEnds.set(clock.instant().plus(GRACE.multipliedBy(3)));
                sleep(GRACE.multipliedBy(3));
            }
            return Optional.of(clock.instant().plusMillis(1500));
        });
        watchdog.arm(standIn().pid());
        Thread.sleep(GRACE.multipliedBy(6));
        assertTrue(stalled.get() && clock.instant().isAfter(stallEnds.get()), "the feeder stalled and resumed");
        assertTrue(postmaster.isAlive(), "a heartbeat that said 'alive' a grace apart would have stopped it");
    }

    @Test
    void aPrimaryWithoutAConfirmationIsNotGuardedAndTheGuardStandsDownWhenDisarmed() throws Exception {
        watchdog = new Watchdog(GRACE, clock, Optional::empty);
        watchdog.arm(standIn().pid());
        Thread.sleep(GRACE.multipliedBy(3));
        assertTrue(postmaster.isAlive(), "armed only while the primary may write");

        watchdog.close();
        watchdog = new Watchdog(GRACE, clock, () -> Optional.of(clock.instant().plusMillis(200)));
        watchdog.arm(postmaster.pid());
        watchdog.disarm();
        Thread.sleep(GRACE.multipliedBy(3));
        assertFalse(postmaster.waitFor(0, TimeUnit.SECONDS), "a disarmed guard never fires");
    }

    @Test
    void aDisarmThatOvertakesTheArmingLeavesNoGuardBehind() throws Exception {
        // The arming asks for the deadline outside the lock; a disarm (the server stopping) lands right then, before
        // the guard process has started. That guard must stand down, not watch a postmaster the sidecar let go of.
        AtomicReference<Watchdog> self = new AtomicReference<>();
        AtomicBoolean overtaken = new AtomicBoolean();
        watchdog = new Watchdog(GRACE, clock, () -> {
            if (overtaken.compareAndSet(false, true)) self.get().disarm();
            return Optional.of(clock.instant().plusMillis(200));
        });
        self.set(watchdog);
        watchdog.arm(standIn().pid());

        assertTrue(overtaken.get(), "the disarm came while arming");
        Thread.sleep(GRACE.multipliedBy(3).plusMillis(200));
        assertTrue(postmaster.isAlive(), "no guard fired after the disarm");
        assertTrue(ProcessHandle.current().children().noneMatch(p -> p.info().commandLine().orElse("").contains("watchdog")),
                "no guard process is left");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
