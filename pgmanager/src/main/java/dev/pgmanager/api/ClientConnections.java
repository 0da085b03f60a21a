package dev.pgmanager.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one client may hold of the API server, beyond the server's own bounds (connections in all, header size, idle
 * time, body data rate), which Jetty enforces:
 * <ul>
 * <li>a few connections per client address, so that one client holding connections open leaves the rest of the
 * server's connections to the others (health checks, peers' load balancers, operators);</li>
 * <li>a deadline on a request's headers: a client that trickles a header line every few seconds keeps its connection
 * busy without ever being idle, so the idle timeout alone would never close it.</li>
 * </ul>
 * A connection over either limit is closed without an answer; rejections are logged at most once per interval.
 */
final class ClientConnections implements Connection.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientConnections.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofMillis(500);
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final int perClient;
    private final Duration headerDeadline;
    private final Map<InetAddress, AtomicInteger> byClient = new ConcurrentHashMap<>();
    private final Map<Connection, RequestProgress> open = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private volatile long lastLoggedNanos = System.nanoTime() - LOG_INTERVAL.toNanos();

    ClientConnections(int perClient, Duration headerDeadline) {
        this.perClient = perClient;
        this.headerDeadline = headerDeadline;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("pgmanager-api-deadlines").factory());
        sweeper.scheduleWithFixedDelay(this::closeOverdueRequests, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress client = clientOf(connection);
        int held = client == null ? 0 : byClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
        open.put(connection, new RequestProgress(client, connection.getBytesIn(), connection.getMessagesIn()));
        if (held > perClient) {
            logRejection("closed a connection from {}: it already holds {} of the API's connections (at most {} per client)",
                    client, held - 1, perClient);
            connection.close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        // The client as recorded when the connection opened: a closed socket no longer knows its peer.
        RequestProgress progress = open.remove(connection);
        if (progress == null || progress.client == null) return;
        byClient.computeIfPresent(progress.client, (c, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** Connections open now from {@code client}. */
    int heldBy(InetAddress client) {
        AtomicInteger count = byClient.get(client);
        return count == null ? 0 : count.get();
    }

    private void closeOverdueRequests() {
        long now = System.nanoTime();
        open.forEach((connection, progress) -> {
            if (progress.overdue(connection, now, headerDeadline.toNanos())) {
                logRejection("closed a connection from {}: its request's headers did not arrive within {} s", progress.client,
                        headerDeadline.toSeconds());
                connection.close();
            }
        });
    }

    private void logRejection(String message, Object... arguments) {
        long now = System.nanoTime();
        if (now - lastLoggedNanos < LOG_INTERVAL.toNanos()) return;
        lastLoggedNanos = now;
        log.warn(message, arguments);
    }

    private static InetAddress clientOf(Connection connection) {
        SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /**
     * Where a connection's current request stands, seen from outside the HTTP parser: bytes arrived since the last
     * complete request head mean a request has begun; it must complete (its head parsed, counted as a message in)
     * within the deadline. A new connection that sends nothing is left to the idle timeout.
     */
    private static final class RequestProgress {
        private final InetAddress client;
        private long bytesAtLastRequest;
        private long messagesIn;
        private long begunAtNanos = -1;

        RequestProgress(InetAddress client, long bytesIn, long messagesIn) {
            this.client = client;
            this.bytesAtLastRequest = bytesIn;
            this.messagesIn = messagesIn;
        }

        synchronized boolean overdue(Connection connection, long now, long deadlineNanos) {
            long messages = connection.getMessagesIn();
            long bytes = connection.getBytesIn();
            if (messages != messagesIn) {
                messagesIn = messages;
                bytesAtLastRequest = bytes;
                begunAtNanos = -1;
                return false;
            }
            if (begunAtNanos < 0) {
                if (bytes > bytesAtLastRequest) begunAtNanos = now;
                return false;
            }
            return now - begunAtNanos > deadlineNanos;
        }
    }
}
