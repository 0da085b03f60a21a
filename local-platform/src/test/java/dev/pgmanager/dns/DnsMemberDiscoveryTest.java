package dev.pgmanager.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.net.MachineId;
import dev.pgmanager.platform.dns.LocalDnsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** Member discovery from the {@code vms.<app>.internal} TXT record, served by a real DNS server. */
class DnsMemberDiscoveryTest {

    private static final String APP = "pg-test";

    private LocalDnsServer server;
    private DnsAddressResolver resolver;

    @BeforeEach
    void startServer() throws Exception {
        server = LocalDnsServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), APP);
        resolver = new DnsAddressResolver(DnsSettings.forApp(APP).withServers(List.of(server.address())));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void listsEveryMemberWithItsRegion() {
        server.put("e2865d13a56789", InetAddress.ofLiteral("fdaa::1"), "ord");
        server.put("3d8d9b2fc1e718", InetAddress.ofLiteral("fdaa::2"), "iad");
        server.put("91857e4b62d359", InetAddress.ofLiteral("fdaa::3"), "ams");

        assertEquals(
                List.of(new DiscoveredMember(MachineId.of("3d8d9b2fc1e718"), "iad"),
                        new DiscoveredMember(MachineId.of("91857e4b62d359"), "ams"),
                        new DiscoveredMember(MachineId.of("e2865d13a56789"), "ord")),
                resolver.discoverMembers());
    }

    @Test
    void aListLongerThanOneTxtStringAndOneUdpAnswerArrivesWhole() {
        // 80 entries of 21 bytes: several 255-byte TXT strings split mid-entry, and more than the 1280-byte UDP
        // answer dnsjava asks for, so it has to retry over TCP
        List<DiscoveredMember> many = IntStream.range(0, 80)
                .mapToObj(i -> new DiscoveredMember(MachineId.of(HexFormat.of().toHexDigits((long) i).substring(2)), "r" + i % 7))
                .toList();
        many.forEach(m -> server.put(m.machineId().value(), InetAddress.ofLiteral("fdaa::1"), m.region()));

        assertEquals(many, resolver.discoverMembers());
    }

    @Test
    void aFailingServerGivesAnEmptyList() {
        server.put("e2865d13a56789", InetAddress.ofLiteral("fdaa::1"), "ord");
        server.failWith(Optional.of(Rcode.SERVFAIL));

        assertEquals(List.of(), resolver.discoverMembers());
        assertEquals(new DnsStats(1, 1, 0), resolver.stats());
    }

    @Test
    void theOrganizationsMachinesComeFromInstancesInternal() {
        server.put("e2865d13a56789", InetAddress.ofLiteral("fdaa:0:1:a7b:1b5:5d4f:7b1e:2"), "ord");
        server.put("3d8d9b2fc1e718", InetAddress.ofLiteral("fdaa:0:1:a7b:2c1:9a01:33f0:2"), "iad");

        assertEquals(Optional.of(java.util.Set.of(InetAddress.ofLiteral("fdaa:0:1:a7b:1b5:5d4f:7b1e:2"),
                InetAddress.ofLiteral("fdaa:0:1:a7b:2c1:9a01:33f0:2"))), resolver.organizationMachineAddresses());

        server.failWith(Optional.of(Rcode.SERVFAIL));
        assertEquals(Optional.empty(), resolver.organizationMachineAddresses(), "unknown, not none");
    }
}
