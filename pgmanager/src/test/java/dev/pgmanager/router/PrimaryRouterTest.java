package dev.pgmanager.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router relays to whatever its supplier names when a connection arrives, and turns away when it names none. */
class PrimaryRouterTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final AtomicReference<Optional<InetSocketAddress>> primary = new AtomicReference<>(Optional.empty());
    private PrimaryRouter router;
    private NamedServer first;
    private NamedServer second;

    @BeforeEach
    void start() throws IOException {
        first = new NamedServer("first");
        second = new NamedServer("second");
        router = PrimaryRouter.start(new InetSocketAddress(LOOPBACK, 0), primary::get);
    }

    @AfterEach
    void stop() throws IOException {
        router.close();
        first.close();
        second.close();
    }

    @Test
    void eachConnectionReachesThePrimaryOfItsMomentBothWays() throws IOException {
        primary.set(Optional.of(first.address()));
        assertEquals("first: hello", ask("hello"));
        primary.set(Optional.of(second.address()));
        assertEquals("second: again", ask("again"));
    }

    @Test
    void withoutAPrimaryAConnectionIsClosedAtOnce() throws IOException {
        try (Socket client = new Socket(LOOPBACK, router.port())) {
            client.setSoTimeout(5000);
            assertEquals(-1, client.getInputStream().read(), "closed, not left hanging");
        }
    }

    /** Sends one line through the router and reads the answer until the server closes. */
    private String ask(String line) throws IOException {
        try (Socket client = new Socket(LOOPBACK, router.port())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Answers one line per connection with its name and the line, then closes. */
    private static final class NamedServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 10, LOOPBACK);

        NamedServer(String name) throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket connection = socket.accept()) {
                        InputStream in = connection.getInputStream();
                        StringBuilder line = new StringBuilder();
                        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) line.append((char) c);
                        OutputStream out = connection.getOutputStream();
                        out.write((name + ": " + line).getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        // closed by the test
                    }
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress(LOOPBACK, socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
