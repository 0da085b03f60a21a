package dev.pgmanager.store.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that becomes true asynchronously, failing with a message when it does not in time. */
public final class Await {
    private Await() {}

    public static void until(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + limit + ": " + what);
            pause(what);
        }
    }

    /**
     * Like {@link #until}, for a condition that cannot be evaluated while what it asks is briefly away (a member
     * restarting): an exception counts as "not yet", and the last one is in the failure's message and cause.
     */
    public static void untilAnswered(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            RuntimeException unanswered;
            try {
                if (condition.getAsBoolean()) return;
                unanswered = null;
            } catch (RuntimeException e) {
                unanswered = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what
                        + (unanswered == null ? "" : " (last asked: " + unanswered.getMessage() + ")"), unanswered);
            }
            pause(what);
        }
    }

    private static void pause(String what) {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting until " + what, e);
        }
    }
}
