package dev.pgmanager.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNameResolverProvider;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.platform.dns.LocalDnsServer;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.StoreUnavailableException;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.TempDirs;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.EnsembleConfig;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Store mode ensemble with {@code store.ensemble.size} 5, at the level of {@link EnsembleMembership}: six members, each
 * on its own loopback address named by its machine ID in a real DNS server, bootstrap in this JVM; the five smallest
 * IDs run real ZooKeeper peers. The ensemble survives any two lost peers (the ZooKeeper leader among them) and stops
 * taking writes, without hanging a client, at the third; the lost peers restart from the peer list on their volumes
 * and catch up.
 */
class FivePeerEnsembleTest {
    private static final String APP = "five";
    private static final int SIZE = 5;
    private static final Duration TICK = EmbeddedZooKeeper.DEFAULT_TICK_TIME;
    private static final Duration SYNC_LIMIT = EmbeddedZooKeeper.syncLimit(TICK);
    private static final Duration INIT_LIMIT = EmbeddedZooKeeper.initLimit(TICK);
    /**
     * Peers in sync again after some stop or start: a follower gives up a lost leader within syncLimit (at once here,
     * where the leader's sockets close), the election among the survivors takes well under a second on loopback (a
     * connection to a stopped peer is refused at once), and the new leader's followers sync within initLimit. One
     * such round may fail (a follower too late for initLimit), so twice initLimit: 2 + 2 × 5 = 12 s.
     */
    private static final Duration QUORUM_BOUND = SYNC_LIMIT.plus(INIT_LIMIT.multipliedBy(2));
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    /**
     * A write once a third peer is gone: the leader finds itself without a quorum of followers within syncLimit and
     * stops serving, dropping its clients; the store then fails an operation that has no connection after at most four
     * attempts of one connection timeout each plus 0.7 s of backoff (see {@link ZooKeeperStoreSettings}):
     * 2 + 4 × 2 + 1 = 11 s.
     */
    private static final Duration WRITE_FAILS_BOUND = SYNC_LIMIT.plus(CONNECTION_TIMEOUT.multipliedBy(4)).plusSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final String network = "127." + (1 + new SecureRandom().nextInt(250)) + "." + (1 + new SecureRandom().nextInt(250)) + ".";
    private final List<String> ids = new ArrayList<>();
    /** Members by index (ordered by machine ID, so 0 to 4 run the peers); null while stopped. */
    private final List<EnsembleMembership> members = new ArrayList<>(Collections.nCopies(SIZE + 1, (EnsembleMembership) null));
    /** Each member's own DNS resolver, as a sidecar has, from its latest start. */
    private final List<DnsAddressResolver> resolvers = new ArrayList<>(Collections.nCopies(SIZE + 1, (DnsAddressResolver) null));
    private final ExecutorService starter = Executors.newFixedThreadPool(SIZE + 1);
    private LocalDnsServer dns;
    private DnsSettings dnsSettings;
    private Path dataDir;
    private List<Integer> ports;
    private ZooKeeperClusterStore client;

    @BeforeEach
    void registerSixMachines() throws Exception {
        dns = LocalDnsServer.start(new InetSocketAddress("127.0.0.1", 0), APP);
        dnsSettings = DnsSettings.forApp(APP).withServers(List.of(dns.address()));
        // ZooKeeper's peers and clients look the machine-ID names up through the JVM, as in the sidecar.
        MachineNameResolverProvider.install(MachineNames.forTool(dnsSettings, new DnsAddressResolver(dnsSettings)));
        for (int i = 0; i <= SIZE; i++) {
            byte[] random = new byte[7];
            new SecureRandom().nextBytes(random);
            ids.add(HexFormat.of().formatHex(random));
        }
        Collections.sort(ids);
        for (int i = 0; i <= SIZE; i++) dns.put(ids.get(i), InetAddress.getByName(network + (11 + i)));
        // Every member uses the same three ports, each on its own address, as on Fly.
        ports = FreePorts.pick(3);
        dataDir = TempDirs.create("ensemble-five-");
    }

    @AfterEach
    void stopEverything() {
        if (client != null) client.close();
        for (int i = 0; i < members.size(); i++) stop(i);
        starter.shutdownNow();
        if (dns != null) dns.close();
        if (dataDir != null) TempDirs.delete(dataDir);
    }

    @Test
    void fivePeersSurviveTwoLostPeersLoseQuorumAtTheThirdAndCatchUpWhenRestarted() throws Exception {
        long began = System.nanoTime();
        start(0, 1, 2, 3, 4, 5);
        EnsembleConfig peers = members.getFirst().peers();
        assertEquals(IntStream.range(0, SIZE).mapToObj(i -> ids.get(i) + ".vm." + APP + ".internal").toList(),
                peers.servers().stream().map(EnsembleConfig.Server::host).toList(), "the five smallest machine IDs are the peers");
        for (int i = 0; i <= SIZE; i++) {
            assertEquals(peers, members.get(i).peers(), "member " + i + " has the same peer list");
            assertEquals(Optional.of(peers), new PeerListFile(memberDir(i)).read(), "member " + i + " keeps it on its volume");
            assertEquals(i < SIZE, members.get(i).peer().isPresent(), "member " + i + (i < SIZE ? " runs a peer" : " is a client only"));
        }
        awaitInSync(SIZE, "the five peers bootstrap into one ensemble");
        EnsembleStatus.Report five = members.getFirst().status(PROBE_TIMEOUT);
        assertEquals(3, five.quorum());
        assertEquals(1, five.peers().stream().filter(p -> p.mode().equals("leader")).count(), "one leader: " + five);
        assertEquals(4, five.peers().stream().filter(p -> p.mode().equals("follower")).count(), "four followers: " + five);
        for (int i = 0; i <= SIZE; i++) {
            assertEquals(Optional.empty(), members.get(i).whyStopBreaksQuorum(PROBE_TIMEOUT), "with five in sync member " + i + " may stop");
        }
        System.out.printf("five peers in sync %d ms after the members started%n", millisSince(began));

        client = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(members.get(SIZE).connectString(), APP)
                .withConnectionTimeout(CONNECTION_TIMEOUT));
        write(client, "five peers");

        // Two peers go at once: the ZooKeeper leader and the follower after it.
        int leader = indexOf(five.leader().orElseThrow().host());
        int follower = (leader + 1) % SIZE;
        long lost = System.nanoTime();
        stop(leader);
        stop(follower);
        awaitInSync(SIZE - 2, "the three remaining peers elect a new leader");
        System.out.printf("three of five peers in sync %d ms after the leader (%d) and a follower (%d) stopped%n",
                millisSince(lost), leader + 1, follower + 1);
        List<Integer> remaining = IntStream.range(0, SIZE).filter(i -> members.get(i) != null).boxed().toList();
        for (int i : remaining) {
            String why = members.get(i).whyStopBreaksQuorum(PROBE_TIMEOUT).orElseThrow();
            assertTrue(why.contains("only 2 of 5 peers would be in sync, fewer than the 3 a quorum needs"), why);
        }
        // The client may still be moving off a stopped peer: it gets the time the survivors had to form their quorum.
        write(client, "three peers");
        assertTrue(details(client).contains("three peers"), "the client reads what it wrote");
        try (var fresh = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(peers.connectString(), APP)
                .withConnectionTimeout(CONNECTION_TIMEOUT))) {
            assertTrue(details(fresh).containsAll(List.of("five peers", "three peers")),
                    "a new client, by the peers' names, reads both writes: " + details(fresh));
        }

        // A third peer goes (a follower, so the leader itself must notice that it lost its quorum).
        int third = remaining.stream().filter(i -> !members.get(i).peer().orElseThrow().state().equals("leading")).findFirst().orElseThrow();
        stop(third);
        long quorumLost = System.nanoTime();
        StoreUnavailableException refused = assertTimeoutPreemptively(WRITE_FAILS_BOUND,
                () -> assertThrows(StoreUnavailableException.class, () -> client.appendHistory(entry("two peers"))),
                "a write without quorum fails rather than hangs");
        System.out.printf("a write failed %d ms after the third peer (%d) stopped: %s%n", millisSince(quorumLost), third + 1,
                refused.getMessage());
        int survivor = remaining.stream().filter(i -> i != third).findFirst().orElseThrow();
        Await.until(SYNC_LIMIT.plusSeconds(1), "the two remaining peers stop serving", () -> {
            EnsembleStatus.Report two = members.get(survivor).status(PROBE_TIMEOUT);
            return !two.quorate() && two.inSync() == 0;
        });

        // The three stopped members restart from the peer list on their volumes: no bootstrap, which would ask DNS.
        long restarted = System.nanoTime();
        start(leader, follower, third);
        for (int i : List.of(leader, follower, third)) {
            assertEquals(peers, members.get(i).peers(), "member " + i + " restarts with the peer list");
            assertEquals(0, resolvers.get(i).stats().lookups(), "member " + i + " asked DNS for no machine list and no name");
        }
        awaitInSync(SIZE, "all five peers are back in sync");
        System.out.printf("five peers in sync %d ms after the three restarted%n", millisSince(restarted));
        // A write in the new epoch, which every peer in sync applies, makes their last transactions comparable.
        write(client, "five peers again");
        Await.until(QUORUM_BOUND, "all five peers have the same last transaction", () -> {
            EnsembleStatus.Report all = members.getFirst().status(PROBE_TIMEOUT);
            return all.inSync() == SIZE && all.peers().stream().map(EnsembleStatus.PeerStatus::zxid).distinct().count() == 1;
        });
        for (int i : List.of(leader, follower, third)) {
            EnsembleConfig.Server server = peers.serverAt(members.get(i).name()).orElseThrow();
            try (var onlyThisPeer = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(server.host() + ":" + server.clientPort(), APP)
                    .withConnectionTimeout(CONNECTION_TIMEOUT))) {
                assertTrue(details(onlyThisPeer).contains("three peers"), "restarted peer " + (i + 1) + " has the write made while it was down");
            }
        }
        System.out.printf("the whole run took %d ms%n", millisSince(began));
    }

    /**
     * Starts the members at once, as the first members of an app start (none may wait for another's peer), and waits
     * for every start to end, keeping those that started for clean-up even when another failed.
     */
    private void start(int... indexes) throws Exception {
        List<Future<EnsembleMembership>> starting = new ArrayList<>();
        for (int i : indexes) {
            resolvers.set(i, new DnsAddressResolver(dnsSettings));
            starting.add(starter.submit(() -> EnsembleMembership.start(ids.get(i), APP, settings(i), dnsSettings, resolvers.get(i),
                    QUORUM_BOUND, "secret")));
        }
        ExecutionException failure = null;
        for (int n = 0; n < indexes.length; n++) {
            try {
                members.set(indexes[n], starting.get(n).get());
            } catch (ExecutionException e) {
                failure = e;
            }
        }
        if (failure != null) throw failure;
    }

    private static void write(ZooKeeperClusterStore store, String detail) {
        Await.until(QUORUM_BOUND, "the client writes '" + detail + "'", () -> {
            try {
                store.appendHistory(entry(detail));
                return true;
            } catch (StoreUnavailableException e) {
                return false;
            }
        });
    }

    private StoreConfig.Ensemble settings(int index) {
        return new StoreConfig.Ensemble(SIZE, ports.get(0), ports.get(1), ports.get(2), memberDir(index));
    }

    private Path memberDir(int index) {
        return dataDir.resolve("member-" + (index + 1)).resolve("zookeeper");
    }

    private void stop(int index) {
        EnsembleMembership member = members.set(index, null);
        if (member != null) member.close();
    }

    /** Waits until exactly {@code count} peers are in sync, one of them the leader, and that makes a quorum. */
    private void awaitInSync(int count, String what) {
        Await.until(QUORUM_BOUND, what, () -> {
            EnsembleStatus.Report report = EnsembleStatus.probe(members.get(SIZE).peers(), PROBE_TIMEOUT);
            return report.quorate() && report.inSync() == count;
        });
    }

    private int indexOf(String host) {
        return IntStream.range(0, SIZE).filter(i -> (ids.get(i) + ".vm." + APP + ".internal").equalsIgnoreCase(host)).findFirst().orElseThrow();
    }

    private static HistoryEntry entry(String detail) {
        return new HistoryEntry(Instant.now(), "event", "five", 0, 0, detail);
    }

    private static List<String> details(ZooKeeperClusterStore store) {
        return store.read().history().stream().map(HistoryEntry::detail).toList();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
