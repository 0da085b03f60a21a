package dev.pgmanager.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNameResolverProvider;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.platform.dns.LocalDnsServer;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.TempDirs;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper.PeerSpec;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Verifies, on real ZooKeeper 3.9.5 peers and a real DNS server, that ZooKeeper's own re-resolution of host names
 * follows a peer that moved to a new address, once the JVM's lookups of members' names go through pgmanager's DNS
 * ({@link MachineNameResolverProvider}) and the JVM caches no address. ZooKeeper looks a peer's name up again before
 * each connection attempt to it (QuorumCnxManager.connectOne for elections, Learner.findLeader for the leader's
 * quorum port) and the client before each connection ({@code StaticHostProvider.next}). The peer moved here has the
 * lowest server ID: the others open the election connections to it, so they must find it at its new address. It moves
 * twice, because a resolved address that lost its name would be "re-resolved" to itself ever after.
 */
class ZooKeeperNameReResolutionTest {
    private static final String APP = "zk";
    /** A peer restart, an election (initLimit 5 s) and a sync, with slack for a loaded machine. */
    private static final Duration QUORUM_BOUND = Duration.ofSeconds(30);

    private final String network = "127." + (1 + new SecureRandom().nextInt(250)) + "." + (1 + new SecureRandom().nextInt(250)) + ".";
    private final List<String> ids = new ArrayList<>();
    private final List<EmbeddedZooKeeper> running = new ArrayList<>();
    private LocalDnsServer dns;
    private Path dataDir;
    private List<PeerSpec> peers;

    @BeforeEach
    void startEnsembleNamedByMachineId() throws Exception {
        dns = LocalDnsServer.start(new InetSocketAddress("127.0.0.1", 0), APP);
        // Here a moved peer restarts at once; a member's TTL-long cache of its own old name is no concern of this test
        // (a sidecar answers its own name with its own address), so answers are not to be cached at all.
        dns.setTtl(Duration.ZERO);
        DnsSettings settings = DnsSettings.forApp(APP).withServers(List.of(dns.address()));
        MachineNameResolverProvider.install(MachineNames.forTool(settings, new DnsAddressResolver(settings)));
        List<Integer> ports = FreePorts.pick(3);
        peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] random = new byte[7];
            new SecureRandom().nextBytes(random);
            String id = HexFormat.of().formatHex(random);
            ids.add(id);
            dns.put(id, InetAddress.getByName(network + (11 + i)));
            peers.add(new PeerSpec(i + 1, settings.hostnameOf(MachineId.of(id)), ports.get(0), ports.get(1), ports.get(2)));
        }
        dataDir = TempDirs.create("zk-names-");
        for (int i = 0; i < 3; i++) running.add(start(i));
        awaitServing(0, 1, 2);
    }

    @AfterEach
    void stopEnsemble() {
        running.forEach(peer -> {
            if (peer != null) peer.close();
        });
        if (dns != null) dns.close();
        if (dataDir != null) TempDirs.delete(dataDir);
    }

    @Test
    void peersAndAClientFindAMovedPeerAtItsNewAddressByItsName() throws Exception {
        String onlyTheMovingPeer = peers.get(0).host() + ":" + peers.get(0).clientPort();
        try (ZooKeeperClusterStore client = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(onlyTheMovingPeer, "names")
                .withSessionTimeout(Duration.ofSeconds(20)).withStartupWait(Duration.ofSeconds(20)))) {
            client.read();
            for (int move = 1; move <= 2; move++) {
                InetAddress next = InetAddress.getByName(network + (20 + move));
                running.set(0, stop(running.get(0)));
                dns.put(ids.get(0), next);
                running.set(0, start(0));
                // Without peer 3 the quorum needs peer 2 to reach the moved peer 1, which it does only by its name.
                running.set(2, stop(running.get(2)));
                awaitServing(0, 1);
                assertEquals(next, running.get(0).clientAddress().getAddress(), "peer 1 serves at its new address");
                Await.until(QUORUM_BOUND, "the client, which knows only peer 1's name, reaches it at " + next, () -> {
                    try {
                        client.read();
                        return true;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                running.set(2, start(2));
                awaitServing(0, 1, 2);
            }
            assertTrue(client.read() != null);
        }
    }

    private EmbeddedZooKeeper start(int index) {
        return EmbeddedZooKeeper.reconfigurablePeer(peers.get(index).id(), dataDir.resolve("peer-" + (index + 1)), peers,
                EmbeddedZooKeeper.DEFAULT_TICK_TIME);
    }

    private static EmbeddedZooKeeper stop(EmbeddedZooKeeper peer) {
        peer.close();
        return null;
    }

    private void awaitServing(int... indexes) {
        Await.until(QUORUM_BOUND, "peers " + java.util.Arrays.toString(indexes) + " serve as a quorum", () -> {
            for (int i : indexes) {
                if (running.get(i) == null || !running.get(i).isServing()) return false;
            }
            return true;
        });
    }
}
