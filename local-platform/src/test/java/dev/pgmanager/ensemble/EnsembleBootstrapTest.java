package dev.pgmanager.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNameResolverProvider;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.platform.dns.LocalDnsServer;
import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.TempDirs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bootstrap refusals of store mode ensemble, against a real DNS server: a clear error, and no half-made ensemble. */
class EnsembleBootstrapTest {
    private static final String APP = "boot";
    private LocalDnsServer dns;
    private Path dataDir;

    @BeforeEach
    void startDns() throws Exception {
        dns = LocalDnsServer.start(new InetSocketAddress("127.0.0.1", 0), APP);
        dataDir = TempDirs.create("ensemble-boot-").resolve("zookeeper");
    }

    @AfterEach
    void stopDns() {
        dns.close();
        TempDirs.delete(dataDir.getParent());
    }

    @Test
    void peersWhoseNamesDoNotResolveAreRefusedAndNothingIsStartedOrWritten() throws Exception {
        for (String id : List.of("a1", "b2", "c3")) dns.put(id, InetAddress.getByName("127.0.0.1"));
        // The platform lists three machines, but their names (under another pattern) do not resolve.
        DnsSettings settings = new DnsSettings(List.of(dns.address()), "{machine_id}.vm.elsewhere.internal", APP,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO, true);
        EnsembleBootstrapException refused = assertThrows(EnsembleBootstrapException.class, () -> start("a1", settings));
        assertTrue(refused.getMessage().contains("do not resolve"), refused.getMessage());
        assertTrue(refused.getMessage().contains("a1.vm.elsewhere.internal"), refused.getMessage());
        assertTrue(refused.getMessage().contains("no peer was started and no peer list written"), refused.getMessage());
        assertNothingWritten();
    }

    @Test
    void fewerMachinesThanTheEnsembleSizeAreRefused() throws Exception {
        for (String id : List.of("a1", "b2")) dns.put(id, InetAddress.getByName("127.0.0.1"));
        DnsSettings settings = DnsSettings.forApp(APP).withServers(List.of(dns.address()));
        EnsembleBootstrapException refused = assertThrows(EnsembleBootstrapException.class, () -> start("a1", settings));
        assertTrue(refused.getMessage().contains("lists 2 machine(s) [a1, b2], and store.ensemble.size is 3"), refused.getMessage());
        assertNothingWritten();
    }

    @Test
    void aVolumeForkedFromAnotherAppsMemberNeverJoinsItsEnsemble() throws Exception {
        // the volume of another app's peer, as fly pg create --fork-from copies it: its peer list names that app's machines
        Files.createDirectories(dataDir.resolve("version-2"));
        Files.writeString(dataDir.resolve("peers.cfg"), String.join("\n",
                "server.1=a1.vm.source-db.internal:2888:3888:participant;2181",
                "server.2=b2.vm.source-db.internal:2888:3888:participant;2181",
                "server.3=c3.vm.source-db.internal:2888:3888:participant;2181") + "\n");
        Files.writeString(dataDir.resolve("version-2").resolve("snapshot.0"), "the source app's tree");
        for (String id : List.of("a1", "b2", "c3")) dns.put(id, InetAddress.getByName("127.0.0.1"));
        DnsSettings settings = DnsSettings.forApp(APP).withServers(List.of(dns.address()));
        int[] ports = {FreePorts.pick(), FreePorts.pick(), FreePorts.pick()};
        StoreConfig.Ensemble ensemble = new StoreConfig.Ensemble(3, ports[0], ports[1], ports[2], dataDir);
        DnsAddressResolver resolver = new DnsAddressResolver(settings);
        MachineNameResolverProvider.install(new MachineNames(settings, "a1", Optional.empty(), resolver));

        try (EnsembleMembership membership = EnsembleMembership.start("a1", APP, ensemble, settings, resolver, Duration.ofSeconds(2), "secret")) {
            // this app's own peers, chosen afresh; none of the source app's
            assertEquals("a1.vm.boot.internal:" + ports[0] + ",b2.vm.boot.internal:" + ports[0] + ",c3.vm.boot.internal:" + ports[0],
                    membership.connectString());
        }
        String onVolume = Files.readString(dataDir.resolve("peers.cfg"));
        assertFalse(onVolume.contains("source-db"), onVolume);
        List<Path> aside;
        try (var siblings = Files.list(dataDir.getParent())) {
            aside = siblings.filter(p -> p.getFileName().toString().startsWith("zookeeper.another-app-")).toList();
        }
        assertEquals(1, aside.size(), "the other app's store data is kept aside, not deleted");
        assertTrue(Files.readString(aside.getFirst().resolve("peers.cfg")).contains("a1.vm.source-db.internal"));
        assertEquals("the source app's tree", Files.readString(aside.getFirst().resolve("version-2").resolve("snapshot.0")));
    }

    @Test
    void aPeerListOfNamesNoAppExplainsStopsTheMemberAndMovesNothing() throws Exception {
        // names under another pattern (dns.name_pattern changed, say) prove no fork: nothing is moved on a guess
        Files.createDirectories(dataDir);
        String list = "server.1=a1.peers.example:2888:3888:participant;2181\n";
        Files.writeString(dataDir.resolve("peers.cfg"), list);
        for (String id : List.of("a1", "b2", "c3")) dns.put(id, InetAddress.getByName("127.0.0.1"));
        EnsembleBootstrapException refused = assertThrows(EnsembleBootstrapException.class,
                () -> start("a1", DnsSettings.forApp(APP).withServers(List.of(dns.address()))));
        assertTrue(refused.getMessage().contains("a1.peers.example") && refused.getMessage().contains("Nothing was started or changed"),
                refused.getMessage());
        assertEquals(list, Files.readString(dataDir.resolve("peers.cfg")));
        try (var siblings = Files.list(dataDir.getParent())) {
            assertEquals(List.of(dataDir), siblings.toList(), "nothing moved aside");
        }
    }

    private void start(String me, DnsSettings settings) {
        StoreConfig.Ensemble ensemble = new StoreConfig.Ensemble(3, 2181, 2888, 3888, dataDir);
        DnsAddressResolver resolver = new DnsAddressResolver(settings);
        // As the sidecar does: members' names, wherever ZooKeeper looks them up, are answered by the DNS server here.
        MachineNameResolverProvider.install(new MachineNames(settings, me, Optional.empty(), resolver));
        EnsembleMembership.start(me, APP, ensemble, settings, resolver, Duration.ofSeconds(2), "secret").close();
    }

    private void assertNothingWritten() throws Exception {
        assertFalse(Files.exists(dataDir.resolve("peers.cfg")), "no peer list");
        assertEquals(0, Files.exists(dataDir) ? Files.list(dataDir).count() : 0, "no ZooKeeper data");
    }
}
