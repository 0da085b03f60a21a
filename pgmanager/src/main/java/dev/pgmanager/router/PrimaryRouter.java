package dev.pgmanager.router;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP port on every member that always reaches the primary: each new connection is relayed, byte for byte, to the
 * server the sidecar sees leading at that moment. Clients then need one address for writes whichever member leads
 * (on Fly the app's 5432 service; a service check cannot ask another port whether this member leads). A connection
 * that finds no primary is closed at once, so the client retries rather than waits; one that is open when the
 * leadership moves ends when the old primary stops, as it would without the router.
 */
public final class PrimaryRouter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrimaryRouter.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** PostgreSQL's own socket buffers are 8 KiB messages and larger; 16 KiB moves most in one read. */
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final Duration ACCEPT_BACKOFF = Duration.ofMillis(100);

    private final ServerSocketChannel listener;
    private final Supplier<Optional<InetSocketAddress>> primary;
    private final Thread acceptor;

    private PrimaryRouter(ServerSocketChannel listener, Supplier<Optional<InetSocketAddress>> primary) {
        this.listener = listener;
        this.primary = primary;
        this.acceptor = Thread.ofPlatform().daemon().name("primary-router").start(this::acceptLoop);
    }

    /**
     * Listens on {@code listen} and relays every connection to what {@code primary} names when it arrives.
     *
     * @throws IOException when the address cannot be bound
     */
    public static PrimaryRouter start(InetSocketAddress listen, Supplier<Optional<InetSocketAddress>> primary) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(listen);
        } catch (IOException e) {
            listener.close();
            throw new IOException("the primary router cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        log.info("primary router on port {}: connections go to the current primary", port(listener));
        return new PrimaryRouter(listener, primary);
    }

    public int port() {
        return port(listener);
    }

    private static int port(ServerSocketChannel listener) {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1; // closed
        }
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!listener.isOpen()) return;
                // out of file descriptors, say: not a reason to spin
                log.warn("primary router: accept failed: {}", e.getMessage());
                pause();
                continue;
            }
            try {
                // Platform threads blocked in read(2) relay a message with one system call each way; a virtual thread's
                // socket waits through the JDK's poller instead, which cost a third of the throughput (bench router).
                Thread.ofPlatform().daemon().name("routed-connection").start(() -> route(client));
            } catch (Throwable e) { // no thread to be had (memory): this connection is refused, the router lives on
                log.warn("primary router: cannot serve a connection: {}", e.toString());
                closeQuietly(client);
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(ACCEPT_BACKOFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void route(SocketChannel client) {
        try (client) {
            Optional<InetSocketAddress> target = primary.get();
            if (target.isEmpty()) {
                log.debug("primary router: no primary to route {} to; closing", remote(client));
                return;
            }
            try (SocketChannel server = connect(target.get())) {
                for (SocketChannel end : List.of(server, client)) {
                    end.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    // a peer that vanished without a word would hold two threads and a backend for ever
                    end.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                }
                Thread upstream = Thread.ofPlatform().daemon().name("routed-upstream").start(() -> relay(client, server));
                relay(server, client);
                upstream.join();
            }
        } catch (IOException e) {
            log.debug("primary router: connection from {} ended: {}", remote(client), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A blocking channel to {@code target}, given {@link #CONNECT_TIMEOUT} to connect (a channel has no timeout of its own). */
    private static SocketChannel connect(InetSocketAddress target) throws IOException {
        SocketChannel server = SocketChannel.open();
        try {
            server.socket().connect(target, (int) CONNECT_TIMEOUT.toMillis());
            return server;
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /** Copies until either side ends, then closes both, which ends the copy the other way too. */
    private static void relay(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) to.write(buffer);
                buffer.clear();
            }
        } catch (ClosedChannelException ignored) {
            // the other direction closed the channels: the connection is over
        } catch (IOException e) {
            log.debug("primary router: relay ended: {}", e.getMessage());
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static Object remote(SocketChannel channel) {
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return "a closed connection";
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            log.debug("closing the primary router failed", e);
        }
        acceptor.interrupt();
    }
}
