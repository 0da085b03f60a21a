package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.TempDirs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Asking peers what they do, against a real ZooKeeper server and sockets that accept and never answer. */
class EnsembleStatusTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private final List<ServerSocket> silent = new ArrayList<>();
    private EmbeddedZooKeeper server;
    private Path dataDir;

    @AfterEach
    void stop() throws Exception {
        for (ServerSocket socket : silent) socket.close();
        if (server != null) server.close();
        if (dataDir != null) TempDirs.delete(dataDir);
    }

    @Test
    void fivePeersAreAskedAtOnceSoSilentOnesCostOneTimeoutInAll() throws Exception {
        dataDir = TempDirs.create("ensemble-status-");
        server = EmbeddedZooKeeper.standalone(dataDir, new InetSocketAddress("127.0.0.1", FreePorts.pick()));
        List<EnsembleConfig.Server> peers = new ArrayList<>();
        peers.add(new EnsembleConfig.Server(1, "127.0.0.1", 2888, 3888, server.clientAddress().getPort()));
        for (int id = 2; id <= 5; id++) {
            // The kernel completes the connection (the listen backlog), but nobody ever reads the question: a hung peer.
            ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            silent.add(socket);
            peers.add(new EnsembleConfig.Server(id, "127.0.0.1", 2888, 3888, socket.getLocalPort()));
        }

        long started = System.nanoTime();
        EnsembleStatus.Report report = EnsembleStatus.probe(new EnsembleConfig(peers), TIMEOUT);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(List.of("standalone", "unreachable", "unreachable", "unreachable", "unreachable"),
                report.peers().stream().map(EnsembleStatus.PeerStatus::mode).toList());
        assertEquals(3, report.quorum());
        // One timeout for the four silent peers together, with room for a loaded machine; one after another (or as
        // many at a time as there are CPUs) it would be two to four.
        assertTrue(took.compareTo(TIMEOUT.multipliedBy(2)) < 0, "asking five peers took " + took.toMillis() + " ms");
    }
}
