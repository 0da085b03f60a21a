package dev.pgmanager.sidecar.rewriter;

import dev.pgmanager.api.RewriterReport;
import dev.pgmanager.config.RewriterConfig;
import dev.pgmanager.ebpf.RewriteEntry;
import dev.pgmanager.ebpf.RewriterAttachment;
import dev.pgmanager.ebpf.RewriterSettings;
import dev.pgmanager.ebpf.RewriterStatus;
import dev.pgmanager.ebpf.StaleAddressRewriter;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.store.AddressRecord;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stale-address rewriter for the sidecar: attaches it on start, keeps its map equal to the store's address
 * history ({@link WantedRewrites}) and reports every stale use ({@link StaleUseReporter}). It runs on a thread of its
 * own and decides nothing for the control loop; where eBPF cannot work, or the rewriter fails later (say
 * {@code pgmanager rewrite detach} removed it), it is off, says why once, and the sidecar goes on without it.
 */
public final class StaleAddressRewriting implements AutoCloseable {
    /** The address history changes only on a migration; reading it more often would only load the store. */
    static final Duration SYNC_INTERVAL = Duration.ofSeconds(10);
    /** Events wait in the ring buffer (256 KiB) in between; a second keeps reports prompt and the ring far from full. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(StaleAddressRewriting.class);
    /** The report's reason while the rewriter's thread opens it. */
    static final String OPENING = "opening";

    private final RewriterConfig config;
    private final Supplier<Map<String, List<AddressRecord>>> addressHistory;
    private final Clock clock;
    private final StaleUseReporter reporter;
    private final ScheduledExecutorService thread;
    private volatile StaleAddressRewriter rewriter;
    private Map<InetAddress, WantedRewrites.Target> wanted = Map.of();
    private Instant lastSync;
    private boolean historyUnreadable;
    private volatile RewriterReport report;

    private StaleAddressRewriting(RewriterConfig config, Supplier<Map<String, List<AddressRecord>>> addressHistory, Clock clock) {
        this.config = config;
        this.addressHistory = addressHistory;
        this.clock = clock;
        this.reporter = new StaleUseReporter(config.reportInterval(), clock, log::warn);
        this.thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("stale-address-rewriter").daemon()
                .factory());
    }

    /**
     * Opens the rewriter (or finds it off) on its own thread and, when it runs, keeps it in step from there: loading
     * and attaching the programs takes 60 ms, which the sidecar's start need not wait for (pinned, they went on
     * rewriting while it was away). The first sync follows at once, so a member that just recorded its new address after
     * a migration has its old one rewritten right away. Until the rewriter is open, its report says so.
     */
    public static StaleAddressRewriting start(RewriterConfig config, Supplier<Map<String, List<AddressRecord>>> addressHistory,
                                              Clock clock) {
        StaleAddressRewriting rewriting = new StaleAddressRewriting(config, addressHistory, clock);
        rewriting.report = RewriterReport.off(OPENING, 0);
        rewriting.thread.execute(() -> {
            try {
                rewriting.open();
            } catch (RuntimeException | Error e) {
                // the executor would keep it to itself: said here, or the report would say opening for good
                rewriting.turnOff("could not be opened: " + e);
            }
            if (rewriting.rewriter == null) return;
            if (rewriting.thread.isShutdown()) {
                // closed while it opened, and close() waited no longer: nobody else would close the handle
                closeQuietly(rewriting.rewriter);
                rewriting.rewriter = null;
                return;
            }
            rewriting.thread.scheduleWithFixedDelay(rewriting::tick, 0, POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        });
        return rewriting;
    }

    /** Opened, but not kept in step: the caller calls {@link #tick()} (tests do, deterministically). */
    static StaleAddressRewriting open(RewriterConfig config, Supplier<Map<String, List<AddressRecord>>> addressHistory,
                                      Clock clock) {
        StaleAddressRewriting rewriting = new StaleAddressRewriting(config, addressHistory, clock);
        rewriting.open();
        return rewriting;
    }

    public RewriterReport report() {
        return report;
    }

    private void open() {
        if (!config.enabled()) {
            turnOff("disabled by configuration (rewriter.enabled is false)");
            return;
        }
        RewriterSettings settings = new RewriterSettings(config.pinRoot(), config.cgroup());
        switch (StaleAddressRewriter.open(settings)) {
            case RewriterStatus.Off off -> turnOff(off.reason());
            case RewriterStatus.Running running -> {
                rewriter = running.rewriter();
                try {
                    RewriterAttachment where = rewriter.attachment();
                    log.info("stale-address rewriter on: attached to {}, pinned under {}",
                            where.cgroup().map(Object::toString).orElse("cgroup id " + where.cgroupId()), where.pinRoot());
                    report = new RewriterReport(true, Optional.empty(), 0, 0, 0);
                } catch (RuntimeException e) {
                    turnOff("attached, but cannot tell where: " + e.getMessage());
                }
            }
        }
    }

    /** One step on the rewriter's thread: report what was rewritten, and keep the map in step now and then. */
    void tick() {
        if (rewriter == null) return;
        try {
            pollEvents();
            if (lastSync == null || !clock.instant().isBefore(lastSync.plus(SYNC_INTERVAL))) sync();
        } catch (RuntimeException e) {
            // IllegalStateException from the rewriter: its pins are gone or a kernel call failed. Re-attaching on our
            // own would undo an operator's `pgmanager rewrite detach`; off until the sidecar restarts.
            turnOff("failed while running: " + e.getMessage());
        }
    }

    void pollEvents() {
        int rewrites = rewriter.pollEvents(event -> reporter.report(event,
                Optional.ofNullable(wanted.get(event.oldAddress())).map(WantedRewrites.Target::machineId)));
        // Hits moved only if something was rewritten; reading the map then keeps /member's figures current.
        if (rewrites > 0) updateReport(rewriter.entries());
    }

    private void updateReport(List<RewriteEntry> entries) {
        report = new RewriterReport(true, Optional.empty(), entries.size(), entries.stream().mapToLong(RewriteEntry::hits).sum(),
                reporter.staleUses());
    }

    /** Makes the map equal to what the address history wants; entries nobody wants any more are removed. */
    void sync() {
        RewriterAttachment where = rewriter.attachment();
        if (where.hooks().isEmpty() || where.cgroupId() == 0) {
            throw new IllegalStateException("nothing is attached under " + where.pinRoot() + " any more");
        }
        Map<String, List<AddressRecord>> history;
        try {
            history = addressHistory.get();
            if (historyUnreadable) log.info("the address history can be read again; keeping the rewriter in step with it");
            historyUnreadable = false;
        } catch (RuntimeException e) {
            // The store is down or slow: keep the entries as they are (they were right) and try again later.
            if (!historyUnreadable) log.warn("cannot read the address history to keep the rewriter in step: {}", e.getMessage());
            historyUnreadable = true;
            lastSync = clock.instant();
            return;
        }
        Map<InetAddress, WantedRewrites.Target> next = WantedRewrites.from(history, clock.instant(), config.retention());
        List<RewriteEntry> present = rewriter.entries();
        for (RewriteEntry entry : present) {
            if (!next.containsKey(entry.oldAddress())) {
                rewriter.remove(entry.oldAddress());
                log.info("no longer rewriting {} (to {}): not an address the history keeps", AddressText.of(entry.oldAddress()),
                        AddressText.of(entry.currentAddress()));
            }
        }
        next.forEach((old, target) -> {
            boolean same = present.stream().anyMatch(e -> e.oldAddress().equals(old) && e.currentAddress().equals(target.current()));
            if (!same) {
                rewriter.rewrite(old, target.current());
                log.info("rewriting {}'s old address {} to its current address {}", target.machineId(), AddressText.of(old),
                        AddressText.of(target.current()));
            }
        });
        wanted = next;
        lastSync = clock.instant();
        updateReport(rewriter.entries());
    }

    private void turnOff(String reason) {
        log.warn("stale-address rewriter off: {}", reason);
        report = RewriterReport.off(reason, reporter.staleUses());
        if (rewriter != null) {
            closeQuietly(rewriter);
            rewriter = null;
        }
    }

    /** Stops keeping the map; the pinned programs and entries stay, so rewriting goes on while the sidecar is away. */
    @Override
    public void close() {
        thread.shutdown();
        boolean stopped = false;
        try {
            stopped = thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Still running after 5 s: an open closes what it opened once it sees the close, and a handle closed under a
        // running step would free libbpf's memory under it (a step stuck that long leaves its handle to the process's exit).
        if (!stopped) return;
        if (rewriter != null) closeQuietly(rewriter);
        rewriter = null;
    }

    private static void closeQuietly(StaleAddressRewriter rewriter) {
        try {
            rewriter.close();
        } catch (RuntimeException e) {
            log.debug("closing the rewriter handle failed", e);
        }
    }
}
