package dev.pgmanager.sidecar.rewriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.ebpf.RewriteEvent;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StaleUseReporterTest {
    private static final InetAddress OLD = InetAddress.ofLiteral("fdaa::1");
    private static final InetAddress NEW = InetAddress.ofLiteral("fdaa::2");
    private static final InetAddress OTHER_OLD = InetAddress.ofLiteral("fdaa::7");

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<String> logged = new ArrayList<>();
    private final StaleUseReporter reporter = new StaleUseReporter(Duration.ofMinutes(10),
            new Clock() {
                @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
                @Override public Clock withZone(java.time.ZoneId zone) { return this; }
                @Override public Instant instant() { return now; }
            }, logged::add);

    private static RewriteEvent dial(int pid, InetAddress old) {
        return new RewriteEvent(pid, "psql", old, NEW, 5433, "tcp", "connect");
    }

    @Test
    void logsAProcessDialingAnOldAddressOncePerIntervalAndCountsEveryUse() {
        reporter.report(dial(1234, OLD), Optional.of("e2865d13a56789"));
        assertEquals(List.of("process 1234 (psql) dialed e2865d13a56789's old address fdaa::1 (tcp port 5433); "
                + "rewritten to fdaa::2 — fix its configuration"), logged);

        now = now.plus(Duration.ofMinutes(9));
        reporter.report(dial(1234, OLD), Optional.of("e2865d13a56789"));
        assertEquals(1, logged.size(), "the same pair within the interval is not logged again");

        reporter.report(dial(1234, OTHER_OLD), Optional.of("e2865d13a56789"));
        reporter.report(dial(99, OLD), Optional.empty());
        assertEquals(3, logged.size(), "another address, another process: logged");
        assertEquals("process 99 (psql) dialed the stale address fdaa::1 (tcp port 5433); rewritten to "
                + "fdaa::2 — fix its configuration", logged.getLast());

        now = now.plus(Duration.ofMinutes(1));
        reporter.report(dial(1234, OLD), Optional.of("e2865d13a56789"));
        assertEquals(4, logged.size(), "after the interval the pair is logged again");
        assertEquals(5, reporter.staleUses(), "every use counts");
    }
}
