package dev.pgmanager.sidecar.reflexes;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of fencing, for a sidecar that is alive but frozen (stopped, stalled in a long pause, starved): a
 * tiny separate process that stops the primary's PostgreSQL unless this sidecar tells it, at least every
 * {@code timeout}, that it still holds a confirmed lease. The lease reflex ({@link Fencer}) cannot run while the JVM
 * is frozen; this can. The guard also fires when the sidecar dies (its input closes).
 *
 * <p>The guard is a shell loop reading heartbeats with a timeout; on silence or end of input it sends SIGQUIT
 * (PostgreSQL's immediate shutdown) to the postmaster. Armed only while the server runs as primary: a replica
 * accepts no writes.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    private static final String GUARD = "while IFS= read -r -t \"$1\" line; do [ \"$line\" = disarm ] && exit 0; done; "
            + "kill -QUIT \"$2\" 2>/dev/null; exit 1";

    private final Duration timeout;
    private final BooleanSupplier leaseHeld;
    private final ScheduledExecutorService feeder;
    private Process guard;
    private long guardedPid;

    /**
     * @param timeout how long the guard waits for a heartbeat; must end before the lease can expire on the server
     * @param leaseHeld whether the lease is held and recently confirmed: heartbeats are sent only then
     */
    public Watchdog(Duration timeout, BooleanSupplier leaseHeld) {
        this.timeout = timeout;
        this.leaseHeld = leaseHeld;
        this.feeder = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("watchdog").factory());
        long every = Math.max(50, timeout.toMillis() / 4);
        feeder.scheduleWithFixedDelay(this::feed, every, every, TimeUnit.MILLISECONDS);
    }

    /** Guards {@code postmasterPid} (a new guard when the postmaster changed). */
    public synchronized void arm(long postmasterPid) {
        if (guard != null && guard.isAlive() && guardedPid == postmasterPid) return;
        disarm();
        if (!leaseHeld.getAsBoolean()) return;
        String seconds = String.format(Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
        try {
            guard = new ProcessBuilder(List.of("bash", "-c", GUARD, "watchdog", seconds, Long.toString(postmasterPid)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            guardedPid = postmasterPid;
            log.info("watchdog armed for the primary's postmaster {} ({} ms without a confirmed lease stops it)", postmasterPid,
                    timeout.toMillis());
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
        if (guard != null && guard.isAlive() && leaseHeld.getAsBoolean()) send("ok");
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
