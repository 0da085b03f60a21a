package dev.pgmanager.router;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
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
    private static final int CONNECT_TIMEOUT_MILLIS = 3000;

    private final ServerSocket listener;
    private final Supplier<Optional<InetSocketAddress>> primary;
    private final Thread acceptor;

    private PrimaryRouter(ServerSocket listener, Supplier<Optional<InetSocketAddress>> primary) {
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
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        try {
            listener.bind(listen);
        } catch (IOException e) {
            listener.close();
            throw new IOException("the primary router cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        log.info("primary router on port {}: connections go to the current primary", listener.getLocalPort());
        return new PrimaryRouter(listener, primary);
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread.ofVirtual().name("routed-connection").start(() -> route(client));
            } catch (IOException e) {
                if (!listener.isClosed()) log.warn("primary router: accept failed: {}", e.getMessage());
            }
        }
    }

    private void route(Socket client) {
        try (client) {
            Optional<InetSocketAddress> target = primary.get();
            if (target.isEmpty()) {
                log.debug("primary router: no primary to route {} to; closing", client.getRemoteSocketAddress());
                return;
            }
            try (Socket server = new Socket()) {
                server.connect(target.get(), CONNECT_TIMEOUT_MILLIS);
                server.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                Thread upstream = Thread.ofVirtual().start(() -> relay(client, server));
                relay(server, client);
                upstream.join();
            }
        } catch (IOException e) {
            log.debug("primary router: connection from {} ended: {}", client.getRemoteSocketAddress(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies until either side ends, then closes both, which ends the copy the other way too. */
    private static void relay(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (SocketException ignored) {
            // the other direction closed the sockets: the connection is over
        } catch (IOException e) {
            log.debug("primary router: relay ended: {}", e.getMessage());
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
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
