package dev.pgmanager.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client (127.0.0.3) holding more connections to a server on loopback than its share, each with a request it never
 * finishes: the server must close those beyond {@link HttpServerLimits#MAX_CONNECTIONS_PER_CLIENT} at once.
 */
final class OneClientFlood implements AutoCloseable {
    /** Connections beyond the client's share. */
    static final int BEYOND_SHARE = 8;

    private final List<Socket> held = new ArrayList<>();

    /** Opens the share and {@link #BEYOND_SHARE} more to {@code port}, each sending {@code GET path} without its end. */
    static OneClientFlood open(int port, String path) throws IOException {
        OneClientFlood flood = new OneClientFlood();
        try {
            for (int i = 0; i < HttpServerLimits.MAX_CONNECTIONS_PER_CLIENT + BEYOND_SHARE; i++) {
                Socket socket = new Socket();
                flood.held.add(socket);
                socket.bind(new InetSocketAddress("127.0.0.3", 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: api\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            return flood;
        } catch (IOException | RuntimeException e) {
            flood.close();
            throw e;
        }
    }

    /** How many of the connections the server has closed without an answer (each read waits 300 ms at most). */
    long closedByServer() throws IOException {
        long closed = 0;
        for (Socket socket : held) {
            socket.setSoTimeout(300);
            try {
                if (socket.getInputStream().read() == -1) closed++;
            } catch (SocketTimeoutException stillOpen) {
                // one of the client's share: the server waits for the rest of its request
            }
        }
        return closed;
    }

    @Override
    public void close() throws IOException {
        for (Socket socket : held) socket.close();
    }
}
