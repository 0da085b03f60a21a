package dev.pgmanager.sidecar.rewriter;

import static dev.pgmanager.sidecar.rewriter.WantedRewritesTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.api.RewriterReport;
import dev.pgmanager.config.RewriterConfig;
import dev.pgmanager.ebpf.RewriteEntry;
import dev.pgmanager.ebpf.RewriterSettings;
import dev.pgmanager.ebpf.RewriterStatus;
import dev.pgmanager.ebpf.StaleAddressRewriter;
import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.testing.Prerequisites;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's rewriting with a real rewriter, attached to a cgroup and pinned in a directory of this test's own:
 * the map ends up equal to what the address history wants, retention removes old addresses, and a rewriter detached
 * behind its back turns off with the reason. Needs root ({@link Prerequisites}).
 */
class StaleAddressRewritingTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private Instant now = START;
    private final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    };
    private volatile Map<String, List<AddressRecord>> history = Map.of();
    private Path cgroup;
    private Path pinRoot;
    private StaleAddressRewriting rewriting;

    @BeforeEach
    void inATestCgroup() throws IOException {
        Prerequisites.require(Prerequisites.root(), "root (the rewriter tests attach BPF programs to a cgroup)");
        Path cgroupRoot = Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" "))
                .filter(f -> f[2].equals("cgroup2")).map(f -> Path.of(f[1])).findFirst().orElse(null);
        Prerequisites.require(cgroupRoot != null, "a cgroup2 mount");
        String name = "pgmanager-test-" + UUID.randomUUID().toString().substring(0, 8);
        cgroup = Files.createDirectory(cgroupRoot.resolve(name));
        pinRoot = Path.of("/sys/fs/bpf").resolve(name);
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (rewriting != null) rewriting.close();
        if (pinRoot != null && Files.exists(pinRoot)
                && StaleAddressRewriter.openPinned(settings()) instanceof RewriterStatus.Running(var pinned)) {
            pinned.detach();
        }
        if (pinRoot != null) Files.deleteIfExists(pinRoot);
        if (cgroup != null) Files.deleteIfExists(cgroup);
    }

    @Test
    void theMapFollowsTheAddressHistoryAndRetention() {
        withPinned(pinned -> pinned.rewrite(ip("fdaa::dead"), ip("fdaa::beef")));  // an entry nobody wants
        history = Map.of(
                "e2865d13a56789", List.of(record("fdaa::a1", Duration.ofHours(30)), record("fdaa::a2", Duration.ofHours(20)),
                        record("fdaa::a3", Duration.ZERO)),
                "148e21ea7d5e89", List.of(record("127.3.4.10", Duration.ofHours(1)), record("127.3.4.12", Duration.ZERO)),
                "9ff1e972ff2585", List.of(record("fdaa::c1", Duration.ZERO)));
        rewriting = StaleAddressRewriting.open(new RewriterConfig(true, Optional.of(cgroup), pinRoot, Duration.ofHours(24),
                Duration.ofMinutes(10)), () -> history, clock);
        assertTrue(rewriting.report().on(), () -> "on: " + rewriting.report());

        rewriting.tick();
        assertEquals(Map.of(ip("fdaa::a2"), ip("fdaa::a3"), ip("127.3.4.10"), ip("127.3.4.12")), entries());
        assertEquals(2, rewriting.report().entries());

        now = now.plus(Duration.ofSeconds(5));
        history = Map.of("e2865d13a56789", history.get("e2865d13a56789"));
        rewriting.tick();
        assertEquals(2, entries().size(), "not read again within the sync interval");

        now = now.plus(Duration.ofHours(5));
        rewriting.tick();
        assertEquals(Map.of(), entries(), "fdaa::a2 last seen 25 h ago is past retention; the other member is gone");
        assertEquals(0, rewriting.report().entries());
    }

    @Test
    void startedItOpensOnItsOwnThreadAndMapsTheHistoryAtOnce() throws InterruptedException {
        history = Map.of("e2865d13a56789", List.of(record("fdaa::a1", Duration.ofHours(1)), record("fdaa::a2", Duration.ZERO)));
        rewriting = StaleAddressRewriting.start(new RewriterConfig(true, Optional.of(cgroup), pinRoot, Duration.ofHours(24),
                Duration.ofMinutes(10)), () -> history, clock);
        RewriterReport first = rewriting.report();
        assertTrue(first.on() || first.reason().equals(Optional.of(StaleAddressRewriting.OPENING)), first::toString);

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (rewriting.report().entries() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(rewriting.report().on(), () -> "on: " + rewriting.report());
        assertEquals(Map.of(ip("fdaa::a1"), ip("fdaa::a2")), entries());
    }

    @Test
    void aRewriterDetachedBehindItsBackIsReportedOff() {
        history = Map.of("e2865d13a56789", List.of(record("fdaa::a1", Duration.ofHours(1)), record("fdaa::a2", Duration.ZERO)));
        rewriting = StaleAddressRewriting.open(new RewriterConfig(true, Optional.of(cgroup), pinRoot, Duration.ofHours(24),
                Duration.ofMinutes(10)), () -> history, clock);
        rewriting.tick();
        assertEquals(1, rewriting.report().entries());

        withPinned(StaleAddressRewriter::detach);   // what `pgmanager rewrite detach` does
        now = now.plus(StaleAddressRewriting.SYNC_INTERVAL);
        rewriting.tick();
        assertFalse(rewriting.report().on());
        assertTrue(rewriting.report().reason().orElseThrow().contains(pinRoot.toString()), rewriting.report().toString());
        assertFalse(Files.exists(pinRoot), "the sidecar does not attach again behind the operator's back");
    }

    @Test
    void disabledByConfigurationIsOffWithTheReason() {
        rewriting = StaleAddressRewriting.open(new RewriterConfig(false, Optional.of(cgroup), pinRoot, Duration.ofHours(24),
                Duration.ofMinutes(10)), () -> history, clock);
        assertEquals(Optional.of("disabled by configuration (rewriter.enabled is false)"), rewriting.report().reason());
        assertFalse(Files.exists(pinRoot));
    }

    private AddressRecord record(String address, Duration ago) {
        return new AddressRecord(address, START.minus(ago).minusSeconds(60), START.minus(ago));
    }

    private RewriterSettings settings() {
        return new RewriterSettings(pinRoot, Optional.of(cgroup));
    }

    private Map<InetAddress, InetAddress> entries() {
        Map<InetAddress, InetAddress>[] result = new Map[1];
        withPinned(pinned -> result[0] = pinned.entries().stream()
                .collect(Collectors.toMap(RewriteEntry::oldAddress, RewriteEntry::currentAddress)));
        return result[0];
    }

    private void withPinned(java.util.function.Consumer<StaleAddressRewriter> action) {
        RewriterStatus status = StaleAddressRewriter.open(settings());
        if (!(status instanceof RewriterStatus.Running(var pinned))) throw new AssertionError("not attached: " + status);
        try (pinned) {
            action.accept(pinned);
        }
    }

}
