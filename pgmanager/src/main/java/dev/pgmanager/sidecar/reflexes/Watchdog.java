package dev.pgmanager.sidecar.reflexes;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of fencing, for a sidecar that is alive but frozen (stopped, stalled in a long pause, starved): a
 * tiny separate process that stops the primary's PostgreSQL unless this sidecar keeps telling it until when the primary
 * may write. The lease reflex ({@link Fencer}) cannot run while the JVM is frozen; this can. The guard also fires when
 * the sidecar dies (its input closes).
 *
 * <p>Each heartbeat carries a deadline: {@code grace} past the end of the current confirmation (the lease's, or the
 * failsafe's), counted from when it was sent. On silence until the last deadline, or end of input, the guard sends
 * SIGQUIT (PostgreSQL's immediate shutdown) to the postmaster. So it fires at the same moment however long ago the
 * sidecar last spoke: a sidecar that stalls for a moment with a fresh confirmation does not trip it, and one frozen for
 * good is stopped no later than when heartbeats that said only "alive", {@code grace} apart, would have. Armed only
 * while the server runs as primary: a replica accepts no writes.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    private static final String GUARD = "timeout=$1; while IFS= read -r -t \"$timeout\" line; do "
            + "case \"$line\" in disarm) exit 0 ;; \"ok \"*) timeout=${line#ok } ;; esac; done; "
            + "kill -QUIT \"$2\" 2>/dev/null; exit 1";

    private final Duration grace;
    private final Clock clock;
    private final Supplier<Optional<Instant>> heldUntil;
    private final ScheduledExecutorService feeder;
    private Process guard;
    private long guardedPid;

    /**
     * @param grace how long past the end of the confirmation the guard waits; together they must end before the lease
     *     can expire on the server
     * @param heldUntil until when the primary may write on its current confirmation; empty while it may not
     */
    public Watchdog(Duration grace, Clock clock, Supplier<Optional<Instant>> heldUntil) {
        this.grace = grace;
        this.clock = clock;
        this.heldUntil = heldUntil;
        this.feeder = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("watchdog").factory());
        long every = Math.max(50, grace.toMillis() / 4);
        feeder.scheduleWithFixedDelay(this::feed, every, every, TimeUnit.MILLISECONDS);
    }

    /** Guards {@code postmasterPid} (a new guard when the postmaster changed). */
    public synchronized void arm(long postmasterPid) {
        if (guard != null && guard.isAlive() && guardedPid == postmasterPid) return;
        disarm();
        Optional<String> deadline = deadline();
        if (deadline.isEmpty()) return;
        try {
            guard = new ProcessBuilder(List.of("bash", "-c", GUARD, "watchdog", deadline.get(), Long.toString(postmasterPid)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            guardedPid = postmasterPid;
            log.info("watchdog armed for the primary's postmaster {} (it stops it {} ms after the lease's confirmation runs out "
                    + "unless this sidecar confirms it again)", postmasterPid, grace.toMillis());
        } catch (IOException e) {
            log.warn("cannot start the watchdog ({}); the lease reflex still fences this primary", e.getMessage());
        }
    }

    /** Stands the guard down without firing (the server is no longer a primary, or stops cleanly). */
    public synchronized void disarm() {
        if (guard == null) return;
        if (guard.isAlive()) send("disarm");
        guard = null;
    }

    private synchronized void feed() {
        if (guard == null || !guard.isAlive()) return;
        deadline().ifPresent(seconds -> send("ok " + seconds));
    }

    /** Seconds from now until the guard must fire, as its {@code read -t} takes them; empty while the primary may not write. */
    private Optional<String> deadline() {
        Instant now = clock.instant();
        return heldUntil.get()
                .filter(now::isBefore)
                .map(until -> String.format(Locale.ROOT, "%.3f", Duration.between(now, until.plus(grace)).toNanos() / 1e9));
    }

    private void send(String line) {
        try {
            OutputStream in = guard.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            log.debug("the watchdog's input is closed", e);
        }
    }

    @Override
    public void close() {
        feeder.shutdownNow();
        disarm();
    }
}
