package dev.pgmanager.sidecar.reflexes;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Until when this primary may go on accepting writes without a confirmed lease, because every member confirmed it
 * follows it (failsafe mode). {@link Failsafe} sets it; the {@link Watchdog} reads it. It stands apart from the
 * failsafe because the watchdog must exist before the local server it guards, and the failsafe needs that server.
 */
public final class FailsafeConfirmation {
    private final Clock clock;
    private volatile Instant confirmedUntil = Instant.MIN;

    public FailsafeConfirmation(Clock clock) {
        this.clock = clock;
    }

    /** Whether the last confirmation still covers this moment. */
    public boolean holds() {
        return until().isPresent();
    }

    /** Until when the last confirmation covers this primary's writes; empty once it does not. */
    public Optional<Instant> until() {
        Instant until = confirmedUntil;
        return clock.instant().isBefore(until) ? Optional.of(until) : Optional.empty();
    }

    /** Whether no round succeeded since the confirmation was last withdrawn: the primary is not in failsafe mode. */
    boolean withdrawn() {
        return confirmedUntil.equals(Instant.MIN);
    }

    void confirmUntil(Instant until) {
        confirmedUntil = until;
    }

    void withdraw() {
        confirmedUntil = Instant.MIN;
    }
}
