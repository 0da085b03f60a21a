package dev.pgmanager.sidecar;

import java.time.Duration;

/** A moment on the monotonic clock by which some work must be done, and the time left until then. */
record Deadline(long atNanos) {
    static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** What is left of the time, zero once it has passed. */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
    }

    boolean passed() {
        return atNanos - System.nanoTime() <= 0;
    }
}
