package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pgmanager.realtime.RealTimeThreads;
import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.testing.ProcStat;
import dev.pgmanager.store.testing.TempDirs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The threads a lease's confirmation passes through, on both sides of the store's connection, run at real-time priority,
 * and nothing else does; read back from the kernel ({@code /proc/self/task}). Needs root (CAP_SYS_NICE).
 */
class RealTimeStoreThreadsTest {
    @Test
    void theStoreClientsAndTheServersThreadsRunAtRealTimePriorityAndNothingElse() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (real-time priority needs CAP_SYS_NICE)");
        RealTimeThreads.enableForThisProcess();
        Path dataDir = TempDirs.create("zk-realtime-");
        Set<String> before = threads().keySet();
        try (var server = EmbeddedZooKeeper.standalone(dataDir, new InetSocketAddress("127.0.0.1", FreePorts.pick()))) {
            assertEquals("0", policy(Path.of("/proc/thread-self/stat")), "the thread that started the server, afterwards");
            Map<String, String> serverThreads = new TreeMap<>(threads());
            serverThreads.keySet().removeAll(before);
            var settings = ZooKeeperStoreSettings.of(server.connectString(), "realtime").withSessionTimeout(Duration.ofSeconds(4));
            // connected from a thread whose name tells its client's threads apart from any other in this JVM
            var store = new CompletableFuture<ZooKeeperClusterStore>();
            Thread.ofPlatform().name("rtcheck").start(() -> {
                try {
                    store.complete(ZooKeeperClusterStore.connect(settings));
                } catch (RuntimeException e) {
                    store.completeExceptionally(e);
                }
            }).join();
            try (var connected = store.get()) {
                connected.read(); // an answer has passed both ways
                Map<String, String> now = threads();
                // those a ping passes through (the JVM may have started a compiler thread meanwhile: ordinary, and not ZooKeeper's)
                for (String name : List.of("SyncThread:0", "ProcessThread(s", "NIOServerCxnFac", "RequestThrottle")) {
                    Set<String> policies = serverThreads.entrySet().stream().filter(t -> t.getValue().equals(name))
                            .map(t -> policyOf(t.getKey())).collect(Collectors.toSet());
                    assertEquals(Set.of("2"), policies, name + " among the server's threads: " + serverThreads);
                }
                Map<String, String> since = new TreeMap<>(now);
                since.keySet().removeAll(before);
                since.keySet().removeAll(serverThreads.keySet());
                Map<String, String> clientRaised = new TreeMap<>();
                since.forEach((tid, name) -> {
                    if (policyOf(tid).equals("2")) clientRaised.put(tid, name);
                });
                assertFalse(since.containsValue("NIOWorkerThread"), "requests are read on the selector threads: " + since);
                // the client's I/O and event threads, and nothing else started since (Curator's, the common pool's...)
                assertEquals(Set.of("rtcheck-EventTh", "rtcheck-SendThr"), Set.copyOf(clientRaised.values()),
                        "raised threads started since the server: " + clientRaised + " of " + since);
            }
        } finally {
            TempDirs.delete(dataDir);
        }
    }

    /** This JVM's threads: ID to name (15 characters at most). */
    private static Map<String, String> threads() throws IOException {
        Map<String, String> threads = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    threads.put(task.getFileName().toString(), Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip());
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return threads;
    }

    private static String policyOf(String tid) {
        try {
            return policy(Path.of("/proc/self/task", tid, "stat"));
        } catch (IOException ended) {
            return "ended";
        }
    }

    private static String policy(Path stat) throws IOException {
        return ProcStat.field(stat, ProcStat.POLICY);
    }
}
