package dev.pgmanager.election;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock for deadlines: its instants move with the machine's monotonic clock ({@link System#nanoTime()}), from the wall
 * clock's time when it was made. A step of the wall clock (NTP, an operator's {@code date}) moves neither the lease's
 * deadlines nor the watchdog's nor a failsafe promise's: a step back would otherwise keep a primary writing past the end
 * of its lease, a step forward end a replica's promise early. Its instants read like wall-clock time in logs, apart from
 * it only by how far the two clocks drifted since the sidecar started.
 */
public final class MonotonicClock extends Clock {
    private final Instant origin;
    private final long originNanos;
    private final ZoneId zone;

    private MonotonicClock(Instant origin, long originNanos, ZoneId zone) {
        this.origin = origin;
        this.originNanos = originNanos;
        this.zone = zone;
    }

    /** A clock that reads the wall clock's time now, and moves monotonically from here on. */
    public static MonotonicClock startingNow() {
        return new MonotonicClock(Instant.now(), System.nanoTime(), ZoneOffset.UTC);
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(System.nanoTime() - originNanos);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new MonotonicClock(origin, originNanos, newZone);
    }
}
