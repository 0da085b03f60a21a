package dev.pgmanager.sidecar.rewriter;

import dev.pgmanager.ebpf.RewriteEvent;
import dev.pgmanager.net.AddressText;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Tells operators which process still dials a stale address, so its owner can fix its configuration: each
 * (process, old address) pair is logged once per interval (a busy client would otherwise flood the log), every
 * rewrite is counted.
 */
public final class StaleUseReporter {
    private record ProcessDialing(int pid, InetAddress oldAddress) {}

    private final Duration interval;
    private final Clock clock;
    private final Consumer<String> warn;
    private final Map<ProcessDialing, Instant> lastLogged = new HashMap<>();
    private long staleUses;

    StaleUseReporter(Duration interval, Clock clock, Consumer<String> warn) {
        this.interval = interval;
        this.clock = clock;
        this.warn = warn;
    }

    /** {@code owner}: the machine the old address belonged to, when the address history says. */
    void report(RewriteEvent event, Optional<String> owner) {
        staleUses++;
        Instant now = clock.instant();
        // Forget pairs whose interval is over, so a long-running sidecar does not keep every pid it ever saw.
        lastLogged.values().removeIf(at -> !at.plus(interval).isAfter(now));
        ProcessDialing pair = new ProcessDialing(event.pid(), event.oldAddress());
        if (lastLogged.containsKey(pair)) return;
        lastLogged.put(pair, now);
        warn.accept("process " + event.pid() + " (" + event.command() + ") dialed "
                + owner.map(id -> id + "'s old address ").orElse("the stale address ")
                + AddressText.of(event.oldAddress()) + " (" + event.protocol() + " port " + event.port() + "); rewritten to "
                + AddressText.of(event.newAddress()) + " — fix its configuration");
    }

    /** Shown in {@code GET /member}; the Prometheus counter comes with the metrics work and should read this. */
    long staleUses() {
        return staleUses;
    }
}
