package dev.pgmanager.sidecar.loop;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Pulls the control loop's next pass forward: store watches, lease changes and operator requests wake it. Built before
 * the loop, so the parts that wake it can be built before the loop too.
 *
 * <p>The loop waits a short gap after each pass, so that a burst of store events cannot spin it; a wake-up {@link
 * #wakeAtOnce at once} cuts that gap short too. That is for the few events on the path of a failover or switchover (the
 * lease changed hands, a hand-over asked, a new primary to announce), where the gap was up to 50 ms of the write gap.
 */
public final class WakeSignal {
    private boolean woken;
    private boolean atOnce;

    public synchronized void wake() {
        woken = true;
        notifyAll();
    }

    /** Wakes the loop without waiting out its gap between passes. */
    public synchronized void wakeAtOnce() {
        woken = true;
        atOnce = true;
        notifyAll();
    }

    /** Waits out {@code gap}, or less if woken {@link #wakeAtOnce at once}; leaves the wake-up for {@link #await}. */
    synchronized void pause(Duration gap) throws InterruptedException {
        waitFor(() -> atOnce, gap);
    }

    /** Waits until woken or until {@code timeout} passed, whichever comes first, and consumes the wake-up. */
    synchronized void await(Duration timeout) throws InterruptedException {
        waitFor(() -> woken, timeout);
        woken = false;
        atOnce = false;
    }

    /** Called holding this object's monitor, which {@link #wait} gives up while it waits. */
    private void waitFor(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
