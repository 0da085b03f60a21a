package dev.pgmanager.ebpf;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A TCP server that greets each client with "hello from ADDRESS" and a UDP server that answers "pong", both bound to
 * one address on one port, so a client that reaches them proves where its connection went.
 */
final class LoopbackServers implements AutoCloseable {
    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final Thread tcpThread;
    private final Thread udpThread;

    LoopbackServers(InetAddress address) throws IOException {
        tcp = new ServerSocket();
        tcp.bind(new InetSocketAddress(address, 0), 1024);
        udp = bindUdp(address, tcp.getLocalPort());
        tcpThread = Thread.ofPlatform().daemon().name("test-tcp-server").start(this::serveTcp);
        udpThread = Thread.ofPlatform().daemon().name("test-udp-server").start(this::serveUdp);
    }

    /** The UDP port equal to the TCP one when free, so that one port describes both servers. */
    private static DatagramSocket bindUdp(InetAddress address, int port) throws SocketException {
        try {
            return new DatagramSocket(new InetSocketAddress(address, port));
        } catch (SocketException e) {
            throw new SocketException("UDP port " + port + " is taken on " + address + ": " + e.getMessage());
        }
    }

    int port() {
        return tcp.getLocalPort();
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket client = tcp.accept(); OutputStream out = client.getOutputStream()) {
                out.write(("hello from " + client.getLocalAddress().getHostAddress() + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // closed: the loop ends; a client gone early: serve the next
            }
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[100];
        while (!udp.isClosed()) {
            try {
                DatagramPacket request = new DatagramPacket(buffer, buffer.length);
                udp.receive(request);
                byte[] reply = "pong".getBytes(StandardCharsets.UTF_8);
                udp.send(new DatagramPacket(reply, reply.length, request.getSocketAddress()));
            } catch (IOException e) {
                // closed: the loop ends
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        tcp.close();
        udp.close();
        tcpThread.join(5000);
        udpThread.join(5000);
    }
}
