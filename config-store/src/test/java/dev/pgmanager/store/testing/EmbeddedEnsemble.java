package dev.pgmanager.store.testing;

import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper.PeerSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A ZooKeeper ensemble of real servers inside the test JVM, on free loopback ports and in its own temporary
 * directory. Peers are numbered from 0 for {@link #stop(int)} and {@link #start(int)}.
 */
public final class EmbeddedEnsemble implements AutoCloseable {
    private static final Duration QUORUM_WAIT = Duration.ofSeconds(30);
    private static final String HOST = "127.0.0.1";

    private final Path baseDir;
    private final List<PeerSpec> peers;
    private final List<EmbeddedZooKeeper> running;

    private EmbeddedEnsemble(Path baseDir, List<PeerSpec> peers) {
        this.baseDir = baseDir;
        this.peers = peers;
        this.running = new ArrayList<>(Collections.nCopies(peers.size(), (EmbeddedZooKeeper) null));
    }

    /** Starts {@code size} peers and returns once they serve clients as a quorum. */
    public static EmbeddedEnsemble startWith(int size) {
        var ports = FreePorts.pick(3 * size);
        var peers = IntStream.range(0, size)
                .mapToObj(i -> new PeerSpec(i + 1, HOST, ports.get(3 * i), ports.get(3 * i + 1), ports.get(3 * i + 2)))
                .toList();
        var ensemble = new EmbeddedEnsemble(TempDirs.create("zk-ensemble-"), peers);
        try {
            for (int i = 0; i < size; i++) ensemble.launch(i);
            ensemble.awaitServing(IntStream.range(0, size).boxed().toList());
            return ensemble;
        } catch (RuntimeException | Error e) {
            ensemble.close();
            throw e;
        }
    }

    /** Every peer's client address, comma separated. */
    public String connectString() {
        return peers.stream().map(p -> p.host() + ":" + p.clientPort()).collect(Collectors.joining(","));
    }

    /** The client address of peer {@code index} alone. */
    public String connectString(int index) {
        return peers.get(index).host() + ":" + peers.get(index).clientPort();
    }

    public int size() {
        return peers.size();
    }

    /** Stops peer {@code index}, keeping its data for {@link #start(int)}. */
    public void stop(int index) {
        var peer = running.set(index, null);
        if (peer != null) peer.close();
    }

    /**
     * Starts the given peers again on their old ports and data, and waits until they serve (all at once, so that
     * restarting a majority can form a quorum).
     */
    public void start(int... indexes) {
        for (int index : indexes) {
            if (running.get(index) == null) launch(index);
        }
        awaitServing(Arrays.stream(indexes).boxed().toList());
    }

    @Override
    public void close() {
        try {
            for (int i = 0; i < running.size(); i++) stop(i);
        } finally {
            TempDirs.delete(baseDir);
        }
    }

    private void launch(int index) {
        var spec = peers.get(index);
        running.set(index, EmbeddedZooKeeper.peer(spec.id(), baseDir.resolve("peer-" + spec.id()), peers));
    }

    private void awaitServing(List<Integer> indexes) {
        long deadline = System.nanoTime() + QUORUM_WAIT.toNanos();
        while (!indexes.stream().allMatch(i -> running.get(i) != null && running.get(i).isServing())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ZooKeeper peers " + indexes + " did not form a quorum within " + QUORUM_WAIT);
            }
            sleep(Duration.ofMillis(50));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ZooKeeper", e);
        }
    }
}
