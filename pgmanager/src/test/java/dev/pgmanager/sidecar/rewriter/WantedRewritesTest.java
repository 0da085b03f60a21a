package dev.pgmanager.sidecar.rewriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.sidecar.rewriter.WantedRewrites.Target;
import dev.pgmanager.store.AddressRecord;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WantedRewritesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration DAY = Duration.ofHours(24);

    static AddressRecord seen(String address, Duration ago) {
        return new AddressRecord(address, NOW.minus(ago).minusSeconds(60), NOW.minus(ago));
    }

    static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    @Test
    void everyOlderAddressWithinRetentionGoesToTheNewest() {
        var history = Map.of(
                "a", List.of(seen("fdaa::a1", Duration.ofHours(30)), seen("fdaa::a2", Duration.ofHours(1)), seen("fdaa::a3", Duration.ZERO)),
                "b", List.of(seen("fdaa::b1", Duration.ZERO)),
                "c", List.of(seen("127.1.1.10", Duration.ofMinutes(5)), seen("127.1.1.12", Duration.ZERO)));
        assertEquals(Map.of(
                ip("fdaa::a2"), new Target(ip("fdaa::a3"), "a"),
                ip("127.1.1.10"), new Target(ip("127.1.1.12"), "c")), WantedRewrites.from(history, NOW, DAY));
    }

    @Test
    void anAddressAMemberHasNowIsNeverRewrittenNorAnAddressOfTheOtherFamily() {
        var history = Map.of(
                "a", List.of(seen("fdaa::1", Duration.ofHours(1)), seen("fdaa::2", Duration.ZERO)),
                "b", List.of(seen("10.0.0.1", Duration.ofHours(1)), seen("fdaa::1", Duration.ZERO)),
                "c", List.of(seen("fdaa::2", Duration.ofHours(2)), seen("fdaa::3", Duration.ZERO)));
        assertEquals(Map.of(), WantedRewrites.from(history, NOW, DAY));
    }

    @Test
    void anAddressTwoMachinesHadGoesToTheOneThatHadItLast() {
        var history = Map.of(
                "a", List.of(seen("fdaa::9", Duration.ofHours(5)), seen("fdaa::2", Duration.ZERO)),
                "b", List.of(seen("fdaa::9", Duration.ofHours(1)), seen("fdaa::3", Duration.ZERO)));
        assertEquals(Map.of(ip("fdaa::9"), new Target(ip("fdaa::3"), "b")), WantedRewrites.from(history, NOW, DAY));
    }

    @Test
    void aMachineThatMovedBackIsNotRewrittenOntoItself() {
        var history = Map.of("a", List.of(seen("fdaa::1", Duration.ofHours(2)), seen("fdaa::2", Duration.ofHours(1)),
                seen("fdaa::1", Duration.ZERO)));
        assertEquals(Map.of(ip("fdaa::2"), new Target(ip("fdaa::1"), "a")), WantedRewrites.from(history, NOW, DAY));
    }
}
