package dev.pgmanager.sidecar.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.Upstream;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.Versioned;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An upstream is streamed from at the address the decision saw; only an action that saw none looks one up. */
class UpstreamsTest {
    private static final MachineId LEADER = MachineId.of("bbbb0000000002");
    private static final InetAddress DECIDED = InetAddress.ofLiteral("fdaa:0:1::b2");
    private static final InetAddress RESOLVED_LATER = InetAddress.ofLiteral("fdaa:0:1::b3");

    private final AtomicInteger lookups = new AtomicInteger();
    private final AddressResolver resolver = machineId -> {
        lookups.incrementAndGet();
        return Optional.of(RESOLVED_LATER);
    };
    private final Upstreams upstreams = new Upstreams(resolver, id -> id.dnsLabel() + ".vm.pg.internal",
            new Credentials("repl", "secret"));

    @Test
    void followsTheDecidedAddressWithoutLookingItUpAgain() {
        Upstream upstream = upstreams.at(LEADER, DECIDED, cluster());
        assertEquals(new Upstream("bbbb0000000002.vm.pg.internal", Optional.of("fdaa:0:1::b2"), 5433,
                new Credentials("repl", "secret")), upstream);
        assertEquals(0, lookups.get());
    }

    @Test
    void anUpstreamWithoutADecidedAddressIsLookedUpNow() {
        assertEquals(Optional.of("fdaa:0:1::b3"), upstreams.of(LEADER, cluster()).hostaddr());
        assertEquals(1, lookups.get());
    }

    @Test
    void aMemberWithoutARecordIsNoUpstream() {
        var empty = new ClusterSnapshot("test", new Versioned<>(ClusterSpec.defaults(), 1), Optional.empty(), new TreeMap<>(),
                Optional.empty(), 0, Optional.empty(), List.of(), Optional.empty());
        assertThrows(Actor.ActionFailedException.class, () -> upstreams.at(LEADER, DECIDED, empty));
    }

    private static ClusterSnapshot cluster() {
        Member leader = new Member(LEADER.value(), "ams", MemberRole.PRIMARY, MemberState.RUNNING, 2, 100, 100, Member.Tags.NONE, 5433, 8008,
                Instant.parse("2026-11-29T12:00:00Z"));
        return new ClusterSnapshot("test", new Versioned<>(ClusterSpec.defaults(), 1), Optional.empty(),
                new TreeMap<>(Map.of(LEADER.value(), leader)), Optional.empty(), 0, Optional.empty(), List.of(), Optional.empty());
    }
}
