package dev.pgmanager.store.partition;

import dev.pgmanager.realtime.RealTimeThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a loopback port that can play a network partition between a store client and its server: tests
 * use it, and so does a local cluster, whose platform puts one in front of the store for each member.
 *
 * <p>{@link #cut()} silences every connection, open or new: bytes are read and dropped in both directions but
 * no socket is closed, because that is what a partition looks like to a client (silence until its own timers
 * fire, not a reset). A silenced connection has lost bytes and can never carry traffic again, so
 * {@link #restore()} forwards only connections made after it.
 */
public final class CuttableProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CuttableProxy.class);

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile boolean closed;

    private CuttableProxy(InetSocketAddress target, ServerSocket listener) {
        this.target = target;
        this.listener = listener;
    }

    /** Starts forwarding connections made to {@link #port()} (a free one) to {@code target}. */
    public static CuttableProxy to(InetSocketAddress target) {
        return to(target, 0);
    }

    /** Starts forwarding connections made to 127.0.0.1:{@code port} to {@code target}. */
    public static CuttableProxy to(InetSocketAddress target, int port) {
        try {
            var listener = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            var proxy = new CuttableProxy(target, listener);
            relayThread("proxy-accept-" + listener.getLocalPort(), proxy::acceptLoop);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a proxy port", e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** {@code 127.0.0.1:port} for a client that should go through this proxy. */
    public String connectString() {
        return "127.0.0.1:" + port();
    }

    /** Whether it is cut now. */
    public boolean isCut() {
        return cut;
    }

    /** Partitions: from now on nothing passes, on any connection. */
    public void cut() {
        cut = true;
        connections.forEach(Connection::silence);
        LOG.info("proxy {} -> {} cut", port(), target);
    }

    /** Heals: new connections are forwarded again (silenced ones stay silent until their clients give up on them). */
    public void restore() {
        cut = false;
        LOG.info("proxy {} -> {} restored", port(), target);
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        connections.forEach(Connection::close);
        connections.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                relayAtOnce(client);
                var connection = new Connection(client);
                connections.add(connection);
                if (cut) connection.silence();
                relayThread("proxy-connect-" + port(), connection::start);
            } catch (IOException e) {
                if (!closed) LOG.warn("proxy {} stopped accepting", port(), e);
                return;
            }
        }
    }

    /**
     * A local cluster's members reach their store through these proxies: the pings that keep their leases alive pass
     * them, so they run on threads of real-time priority as the store's own do ({@link RealTimeThreads}).
     */
    private static void relayThread(String name, Runnable task) {
        RealTimeThreads.raising(Thread.ofPlatform().daemon().name(name).factory()).newThread(task).start();
    }

    /**
     * Turns off Nagle's algorithm: a message that arrives in two reads would otherwise have its second part held back
     * until the first is acknowledged, and the receiver delays that acknowledgement by 40 ms. Every request of a member
     * to the store would then take 40 ms longer now and then, which no direct connection does.
     */
    private static void relayAtOnce(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
    }

    /** One client connection and its counterpart to the target. */
    private final class Connection {
        private final Socket client;
        private volatile Socket server;
        private volatile boolean silent;

        Connection(Socket client) {
            this.client = client;
        }

        void start() {
            try {
                server = new Socket(target.getAddress(), target.getPort());
                relayAtOnce(server);
            } catch (IOException e) {
                // Like a server that refuses: the client sees the connection end.
                LOG.debug("proxy {} cannot reach {}", port(), target, e);
                close();
                return;
            }
            if (closed) { // the proxy closed while we were connecting
                close();
                return;
            }
            relayThread("proxy-up-" + port(), () -> pump(client, server));
            relayThread("proxy-down-" + port(), () -> pump(server, client));
        }

        void silence() {
            silent = true;
        }

        private void pump(Socket from, Socket to) {
            var buffer = new byte[8192];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (silent) continue;
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException endedOrClosed) {
                // the peer went away, or the proxy is closing
            }
            // A silenced connection tells neither side that the other went away, just as a partition would not.
            if (!silent) close();
        }

        void close() {
            connections.remove(this);
            closeQuietly(client);
            if (server != null) closeQuietly(server);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is best effort: the socket is unusable either way
        }
    }
}
