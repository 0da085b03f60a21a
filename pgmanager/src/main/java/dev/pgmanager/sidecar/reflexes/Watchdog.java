package dev.pgmanager.sidecar.reflexes;

import dev.pgmanager.realtime.RealTimeThreads;
import dev.pgmanager.sidecar.Uptime;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 * failsafe's), as a moment of the machine's uptime ({@code /proc/uptime}), which the guard reads too. At that moment,
 * unless a later heartbeat moved it, or at the end of its input, the guard sends SIGQUIT (PostgreSQL's immediate
 * shutdown) to the postmaster. So it fires at the same moment however long ago the sidecar last spoke, and however late
 * a heartbeat reached it: a sidecar that stalls for a moment with a fresh confirmation does not trip it, and one frozen
 * for good is stopped no later than when heartbeats that said only "alive", {@code grace} apart, would have. Armed only
 * while the server runs as primary: a replica accepts no writes.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    /**
     * $1 the deadline, $2 the postmaster. Times in hundredths of a second of uptime; no command forks a process, so the
     * guard needs nothing but bash to fire. A heartbeat that is not a number is ignored (the deadline stands).
     */
    private static final String GUARD = """
            deadline=$1
            while :; do
                read -r up _ < /proc/uptime
                left=$(( deadline - (10#${up%.*} * 100 + 10#${up#*.}) ))
                (( left > 0 )) || break
                IFS= read -r -t "$(( left / 100 )).$(( left % 100 / 10 ))$(( left % 10 ))" line
                status=$?
                if (( status == 0 )); then
                    case $line in
                        disarm) exit 0 ;;
                        "ok "*) [[ ${line#ok } =~ ^[0-9]+$ ]] && deadline=${line#ok } ;;
                    esac
                elif (( status <= 128 )); then
                    break
                fi
            done
            kill -QUIT "$2" 2>/dev/null
            exit 1
            """;

    private final Duration grace;
    private final Clock clock;
    private final Supplier<Optional<Instant>> heldUntil;
    private final ScheduledExecutorService feeder;
    private Process guard;
    private long guardedPid;
    /** How often {@link #disarm()} was called: an {@link #arm} that a disarm overtook must not leave its guard behind. */
    private long disarms;

    /**
     * @param grace how long past the end of the confirmation the guard waits; together they must end before the lease
     *     can expire on the server
     * @param heldUntil until when the primary may write on its current confirmation; empty while it may not
     */
    public Watchdog(Duration grace, Clock clock, Supplier<Optional<Instant>> heldUntil) {
        this.grace = grace;
        this.clock = clock;
        this.heldUntil = heldUntil;
        // Real-time priority where permitted, for the feeder as for the guard: a heartbeat late under a CPU-bound load
        // would fence a healthy primary, a guard late would leave a fenced one writing past its lease
        this.feeder = Executors.newSingleThreadScheduledExecutor(RealTimeThreads.raising(
                Thread.ofPlatform().daemon().name("watchdog").factory()));
        long every = Math.max(50, grace.toMillis() / 4);
        feeder.scheduleWithFixedDelay(this::feed, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Guards {@code postmasterPid} (a new guard when the postmaster changed). The guard is started outside this object's
     * lock: the feeder and the fencer take it at real-time priority, and must not wait behind a process start made at
     * ordinary priority under a load.
     *
     * @return false when the primary may not write now (no confirmation runs), or a disarm overtook this: then there is
     *     no guard; true otherwise, also when the guard could not be started (that is logged, and the lease reflex still
     *     fences the primary)
     */
    public boolean arm(long postmasterPid) {
        long disarmsBefore;
        synchronized (this) {
            if (guard != null && guard.isAlive() && guardedPid == postmasterPid) return true;
            disarmsBefore = disarms;
        }
        try {
            Optional<Long> deadline = deadline();
            if (deadline.isEmpty()) {
                disarm();
                return false;
            }
            Process started = new ProcessBuilder(List.of("bash", "-c", GUARD, "watchdog", Long.toString(deadline.get()),
                    Long.toString(postmasterPid)))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            RealTimeThreads.raise(started.pid());
            synchronized (this) {
                if (disarms != disarmsBefore) {
                    // disarmed while it started (the server stops): a guard now would outlive its postmaster
                    send(started, "disarm");
                    return false;
                }
                standDown();
                guard = started;
                guardedPid = postmasterPid;
            }
            log.info("watchdog armed for the primary's postmaster {} (it stops it {} ms after the lease's confirmation runs out "
                    + "unless this sidecar confirms it again)", postmasterPid, grace.toMillis());
        } catch (IOException | RuntimeException e) {
            log.warn("cannot start the watchdog ({}); the lease reflex still fences this primary", e.getMessage());
        }
        return true;
    }

    /** Stands the guard down without firing (the server is no longer a primary, or stops cleanly). */
    public synchronized void disarm() {
        disarms++;
        standDown();
    }

    private void standDown() {
        if (guard == null) return;
        if (guard.isAlive()) send(guard, "disarm");
        guard = null;
    }

    private synchronized void feed() {
        if (guard == null || !guard.isAlive()) return;
        try {
            deadline().ifPresent(deadline -> send(guard, "ok " + deadline));
        } catch (IOException | RuntimeException e) {
            // no heartbeat: the guard keeps the last deadline, which errs on the side of stopping
            log.debug("no watchdog heartbeat", e);
        }
    }

    /**
     * When the guard must fire, in hundredths of a second of the machine's uptime (rounded down); empty while the
     * primary may not write.
     */
    private Optional<Long> deadline() throws IOException {
        Optional<Instant> until = heldUntil.get();
        // The clocks are read after the lease's answer: waiting for it must not lengthen the deadline
        Instant now = clock.instant();
        long uptime = Uptime.hundredths();
        if (until.isEmpty() || !now.isBefore(until.get())) return Optional.empty();
        // one hundredth less: the uptime read here may be up to one behind, and the guard's may be too
        return Optional.of(uptime + Duration.between(now, until.get().plus(grace)).toMillis() / 10 - 1);
    }

    private static void send(Process guard, String line) {
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
