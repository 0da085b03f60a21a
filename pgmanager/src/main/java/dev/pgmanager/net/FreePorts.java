package dev.pgmanager.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP port free now, for a process that binds it later. Chosen below the kernel's ephemeral range (32768 and up on
 * Linux), from which every outgoing connection takes its local port: a port picked there is soon taken by some client's
 * connection before its server binds it, which the tests, opening hundreds, saw happen ("could not bind ... Address
 * already in use" from a PostgreSQL started on one).
 */
public final class FreePorts {
    private FreePorts() {}

    public static int on(InetAddress address) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 10_000 + ThreadLocalRandom.current().nextInt(22_000);
            try (ServerSocket socket = new ServerSocket(port, 1, address)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // in use: another one
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
        }
    }
}
