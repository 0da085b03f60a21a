package dev.pgmanager.sidecar.loop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The loop's gap between passes holds against an ordinary wake-up and gives way to one at once. */
class WakeSignalTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void anOrdinaryWakeUpWaitsOutTheGapThenEndsTheWait() throws Exception {
        WakeSignal signal = new WakeSignal();
        signal.wake();
        long started = System.nanoTime();
        signal.pause(Duration.ofMillis(200));
        assertTrue(elapsedMillis(started) >= 190, "the gap holds: " + elapsedMillis(started) + " ms");
        started = System.nanoTime();
        signal.await(LONG);
        assertTrue(elapsedMillis(started) < LONG.toMillis() / 2, "the wake-up was kept for the wait");
    }

    @Test
    void aWakeUpAtOnceCutsTheGapShortAndEndsTheWait() throws Exception {
        WakeSignal signal = new WakeSignal();
        Thread.ofPlatform().start(() -> {
            sleep(100);
            signal.wakeAtOnce();
        });
        long started = System.nanoTime();
        signal.pause(LONG);
        signal.await(LONG);
        assertTrue(elapsedMillis(started) < LONG.toMillis() / 2, "neither the gap nor the wait held: " + elapsedMillis(started) + " ms");
    }

    @Test
    void aWaitConsumesTheWakeUpAtOnce() throws Exception {
        WakeSignal signal = new WakeSignal();
        signal.wakeAtOnce();
        signal.await(LONG);
        long started = System.nanoTime();
        signal.pause(Duration.ofMillis(200));
        assertTrue(elapsedMillis(started) >= 190, "the next gap holds again: " + elapsedMillis(started) + " ms");
    }

    private static long elapsedMillis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
