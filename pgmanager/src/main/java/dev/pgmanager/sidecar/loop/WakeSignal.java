package dev.pgmanager.sidecar.loop;

import java.time.Duration;

/**
 * Pulls the control loop's next pass forward: store watches, lease changes and operator requests wake it. Built before
 * the loop, so the parts that wake it can be built before the loop too.
 */
public final class WakeSignal {
    private boolean woken;

    public synchronized void wake() {
        woken = true;
        notifyAll();
    }

    /** Waits until woken or until {@code timeout} passed, whichever comes first, and consumes the wake-up. */
    synchronized void await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!woken) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            wait(Math.max(1, left / 1_000_000));
        }
        woken = false;
    }
}
