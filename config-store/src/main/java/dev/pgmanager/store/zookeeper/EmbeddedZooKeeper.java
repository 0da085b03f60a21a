package dev.pgmanager.store.zookeeper;

import dev.pgmanager.realtime.RealTimeThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZKDatabase;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.apache.zookeeper.server.quorum.QuorumPeer;
import org.apache.zookeeper.server.quorum.QuorumPeer.QuorumServer;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;
import org.apache.zookeeper.util.ServiceUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ZooKeeper server running inside this JVM: standalone, or one peer of an ensemble.
 *
 * <p>The server classes are driven directly rather than through {@code ZooKeeperServerMain} or
 * {@code QuorumPeerMain}, whose failure paths end the JVM. Closing it stops the server and releases its ports
 * and files, so a new instance can start on the same data directory and ports (its data survives).
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    /** Short enough that elections and session expiry happen quickly in tests, long enough to be stable. */
    public static final Duration DEFAULT_TICK_TIME = Duration.ofMillis(200);
    /** Wide enough that clients may ask for anything from 2 s to 30 s (the server's default allows 2 to 20 ticks). */
    private static final int MIN_SESSION_TIMEOUT_MS = 1_000;
    private static final int MAX_SESSION_TIMEOUT_MS = 60_000;
    private static final int MAX_CLIENT_CONNECTIONS = 0; // unlimited: tests connect many clients from one address
    private static final int FAST_LEADER_ELECTION = 3;
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    /** Where one peer of an ensemble listens. */
    public record PeerSpec(long id, String host, int clientPort, int quorumPort, int electionPort) {
        public PeerSpec {
            if (id < 1) throw new IllegalArgumentException("peer id must be at least 1, was " + id);
            Objects.requireNonNull(host, "host");
        }

        public InetSocketAddress clientAddress() {
            return new InetSocketAddress(host, clientPort);
        }

        QuorumServer toQuorumServer() {
            return new QuorumServer(id, new InetSocketAddress(host, quorumPort), new InetSocketAddress(host, electionPort),
                    clientAddress());
        }
    }

    private final InetSocketAddress clientAddress;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Runnable stopper;
    private final BooleanSupplier serving;

    private final Supplier<String> state;

    private EmbeddedZooKeeper(InetSocketAddress clientAddress, Runnable stopper, BooleanSupplier serving, Supplier<String> state) {
        this.clientAddress = clientAddress;
        this.stopper = stopper;
        this.serving = serving;
        this.state = state;
    }

    /** Starts a single-server ZooKeeper with the default tick time; returns once it accepts clients. */
    public static EmbeddedZooKeeper standalone(Path dataDir, InetSocketAddress clientAddress) {
        return standalone(dataDir, clientAddress, DEFAULT_TICK_TIME);
    }

    /**
     * Starts a single-server ZooKeeper; returns once it accepts clients. Port 0 takes a free port ({@link #connectString}).
     * Its threads, which answer the pings that keep every member's lease, run at real-time priority where the process
     * enabled it ({@link RealTimeThreads}).
     */
    public static EmbeddedZooKeeper standalone(Path dataDir, InetSocketAddress clientAddress, Duration tickTime) {
        return RealTimeThreads.raisingThreadsStartedBy(() -> startStandalone(dataDir, clientAddress, tickTime));
    }

    private static EmbeddedZooKeeper startStandalone(Path dataDir, InetSocketAddress clientAddress, Duration tickTime) {
        prepareProcessWideSettings();
        FileTxnSnapLog txnLog = null;
        ServerCnxnFactory connections = null;
        try {
            txnLog = new FileTxnSnapLog(createDirectories(dataDir).toFile(), dataDir.toFile());
            var server = new ZooKeeperServer(txnLog, tickMillis(tickTime), MIN_SESSION_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS,
                    -1, new ZKDatabase(txnLog), "");
            connections = ServerCnxnFactory.createFactory(clientAddress, MAX_CLIENT_CONNECTIONS);
            connections.startup(server);
            var startedLog = txnLog;
            var startedConnections = connections;
            // port 0 asks for any free port: clients need the one bound
            var bound = new InetSocketAddress(clientAddress.getAddress(), connections.getLocalPort());
            LOG.info("standalone ZooKeeper serving at {} from {}", bound, dataDir);
            return new EmbeddedZooKeeper(bound, () -> stopStandalone(startedConnections, server, startedLog),
                    server::isRunning, () -> "standalone");
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (connections != null) connections.shutdown();
            closeQuietly(txnLog);
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IllegalStateException("could not start ZooKeeper at " + clientAddress + " in " + dataDir + ": " + e, e);
        }
    }

    /**
     * Starts peer {@code myId} of the ensemble {@code peers}; returns at once (serving needs a quorum, see
     * {@link #isServing()}). Peers may be named by host name: ZooKeeper looks the names up again whenever it
     * (re)connects to a peer, through the JVM's resolver. Dynamic reconfiguration is enabled, so peers can be
     * replaced while the ensemble serves.
     */
    public static EmbeddedZooKeeper reconfigurablePeer(long myId, Path dataDir, List<PeerSpec> peers, Duration tickTime) {
        QuorumPeerConfig.setReconfigEnabled(true);
        return peer(myId, dataDir, peers, tickTime);
    }

    /** Starts peer {@code myId} of the ensemble {@code peers}; returns at once (serving needs a quorum, see {@link #isServing()}). */
    public static EmbeddedZooKeeper peer(long myId, Path dataDir, List<PeerSpec> peers) {
        return peer(myId, dataDir, peers, DEFAULT_TICK_TIME);
    }

    /**
     * As {@link #peer(long, Path, List)}. Its threads run at real-time priority where the process enabled it, as a
     * standalone's do, and so do those they start later (the request pipeline each election starts).
     */
    public static EmbeddedZooKeeper peer(long myId, Path dataDir, List<PeerSpec> peers, Duration tickTime) {
        return RealTimeThreads.raisingAllThreadsStartedBy(() -> startPeer(myId, dataDir, peers, tickTime));
    }

    private static EmbeddedZooKeeper startPeer(long myId, Path dataDir, List<PeerSpec> peers, Duration tickTime) {
        prepareProcessWideSettings();
        var me = peers.stream().filter(p -> p.id() == myId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("peer " + myId + " is not among " + peers));
        Map<Long, QuorumServer> servers = new HashMap<>();
        peers.forEach(p -> servers.put(p.id(), p.toQuorumServer()));
        ServerCnxnFactory connections = null;
        try {
            createDirectories(dataDir);
            connections = ServerCnxnFactory.createFactory(me.clientAddress(), MAX_CLIENT_CONNECTIONS);
            int tick = tickMillis(tickTime);
            int initLimit = initLimitTicks(tick);
            int syncLimit = syncLimitTicks(tick);
            var quorumPeer = new QuorumPeer(servers, dataDir.toFile(), dataDir.toFile(), FAST_LEADER_ELECTION, myId, tick,
                    initLimit, syncLimit, initLimit, false, connections, new QuorumMaj(servers));
            quorumPeer.setMinSessionTimeout(MIN_SESSION_TIMEOUT_MS);
            quorumPeer.setMaxSessionTimeout(MAX_SESSION_TIMEOUT_MS);
            quorumPeer.start();
            LOG.info("ZooKeeper peer {} started at {} from {}", myId, me.clientAddress(), dataDir);
            return new EmbeddedZooKeeper(me.clientAddress(), () -> stopPeer(quorumPeer), () -> isServing(quorumPeer),
                    quorumPeer::getServerState);
        } catch (IOException | RuntimeException e) {
            if (connections != null) connections.shutdown();
            throw new IllegalStateException("could not start ZooKeeper peer " + myId + " at " + me + " in " + dataDir + ": " + e, e);
        }
    }

    /**
     * A peer's initLimit as a time: how long followers have to connect to a newly elected leader and sync with it (a
     * leader that has no quorum of followers in sync by then gives up and a new election starts). 5 s, at least 10 ticks.
     */
    public static Duration initLimit(Duration tickTime) {
        int tick = tickMillis(tickTime);
        return Duration.ofMillis((long) initLimitTicks(tick) * tick);
    }

    /**
     * A peer's syncLimit as a time: how long a follower may be silent before the leader drops it (and a leader
     * without a quorum stops serving), and how long a follower waits on a silent leader. 2 s, at least 5 ticks.
     */
    public static Duration syncLimit(Duration tickTime) {
        int tick = tickMillis(tickTime);
        return Duration.ofMillis((long) syncLimitTicks(tick) * tick);
    }

    private static int initLimitTicks(int tickMillis) {
        return Math.max(10, 5_000 / tickMillis);
    }

    private static int syncLimitTicks(int tickMillis) {
        return Math.max(5, 2_000 / tickMillis);
    }

    /** {@code host:port} for clients. */
    public String connectString() {
        return clientAddress.getHostString() + ":" + clientAddress.getPort();
    }

    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** Whether this server currently answers clients (a peer does only while it is part of a quorum). */
    public boolean isServing() {
        return !stopped.get() && serving.getAsBoolean();
    }

    /** ZooKeeper's own word for what this server does now: leading, following, looking (or standalone). */
    public String state() {
        return stopped.get() ? "stopped" : state.get();
    }

    /** Stops the server and releases its ports and files; closing again does nothing. */
    @Override
    public void close() {
        if (stopped.compareAndSet(false, true)) stopper.run();
    }

    /**
     * ZooKeeper reads these process-wide: the admin HTTP server would take a fixed port (8080) in every instance,
     * and an embedded server must never end the JVM it is a guest in.
     */
    private static void prepareProcessWideSettings() {
        System.setProperty("zookeeper.admin.enableServer", "false");
        // Requests are read on the connections' selector threads, which start with the server and so run at real-time
        // priority (RealTimeThreads): a pool of workers would be started later, by those threads, at ordinary priority.
        // A store of a few clients and kilobytes needs no pool.
        System.setProperty("zookeeper.nio.numWorkerThreads", "0");
        ServiceUtils.setSystemExitProcedure(code -> LOG.error("ZooKeeper asked to exit the JVM with code {}; ignored in embedded mode", code));
    }

    private static boolean isServing(QuorumPeer peer) {
        var server = peer.getActiveServer();
        return peer.isRunning() && server != null && server.isRunning();
    }

    private static void stopStandalone(ServerCnxnFactory connections, ZooKeeperServer server, FileTxnSnapLog txnLog) {
        connections.shutdown(); // also shuts the server down
        try {
            server.getZKDatabase().close();
        } catch (IOException e) {
            LOG.warn("closing the ZooKeeper database failed", e);
        }
        closeQuietly(txnLog);
    }

    private static void stopPeer(QuorumPeer peer) {
        peer.shutdown();
        try {
            peer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (peer.isAlive()) LOG.warn("ZooKeeper peer {} did not stop within 10 s", peer.getMyId());
    }

    private static int tickMillis(Duration tickTime) {
        if (tickTime.isNegative() || tickTime.isZero()) throw new IllegalArgumentException("tick time must be positive, was " + tickTime);
        return Math.toIntExact(tickTime.toMillis());
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create ZooKeeper data directory " + dir, e);
        }
    }

    private static void closeQuietly(FileTxnSnapLog txnLog) {
        if (txnLog == null) return;
        try {
            txnLog.close();
        } catch (IOException e) {
            LOG.warn("closing the ZooKeeper transaction log failed", e);
        }
    }
}
