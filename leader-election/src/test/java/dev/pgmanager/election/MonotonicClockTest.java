package dev.pgmanager.election;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The deadlines' clock starts at the wall clock's time and only moves forward, at the monotonic clock's pace. */
class MonotonicClockTest {
    @Test
    void startsAtTheWallClocksTimeAndMovesWithTheMonotonicClock() throws Exception {
        Instant wall = Instant.now();
        MonotonicClock clock = MonotonicClock.startingNow();
        long before = System.nanoTime();
        Instant first = clock.instant();
        assertTrue(Duration.between(wall, first).abs().compareTo(Duration.ofSeconds(1)) < 0, "reads like the wall clock: " + first);

        Thread.sleep(50);
        Instant second = clock.instant();
        long elapsed = System.nanoTime() - before;
        assertFalse(second.isBefore(first.plusMillis(50)), "moved at least as far as the sleep");
        assertTrue(Duration.between(first, second).toNanos() <= elapsed, "and no further than nanoTime");

        Instant last = second;
        for (int i = 0; i < 10_000; i++) {
            Instant now = clock.instant();
            assertFalse(now.isBefore(last), "never backwards");
            last = now;
        }
    }
}
