package dev.pgmanager.platform.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;

/**
 * A small authoritative DNS server standing in for Fly's private DNS: for {@code pgmanager local}, where each member
 * listens on its own loopback address, and for tests, where a member "migrates" by changing its registry entry.
 * Serves UDP and TCP on one port (TCP for answers too large for UDP). It can also fail on purpose: answer every
 * query with an error code, or drop every query so that clients time out.
 */
public final class LocalDnsServer implements AutoCloseable {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(1);
    public static final String DEFAULT_REGION = "local";

    private static final Logger log = LoggerFactory.getLogger(LocalDnsServer.class);
    private static final int BIND_ATTEMPTS = 10;
    private static final int MIN_UDP_PAYLOAD = 512;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final AtomicReference<LocalZone> zone;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread udpServer;
    private final Thread tcpAcceptor;
    private volatile Optional<Integer> failureRcode = Optional.empty();
    private volatile boolean silent;
    private RegistryFileWatcher watcher; // guarded by this

    /**
     * Starts serving {@code <id>.vm.<app>.internal} and {@code vms.<app>.internal}, with no members yet.
     *
     * @param bindAddress where to listen; port 0 picks a port free for both UDP and TCP
     */
    public static LocalDnsServer start(InetSocketAddress bindAddress, String app) throws IOException {
        LocalZone empty = new LocalZone(app, DEFAULT_TTL, Map.of());
        for (int attempt = 1; ; attempt++) {
            DatagramSocket udp = new DatagramSocket(bindAddress);
            try {
                ServerSocket tcp = new ServerSocket();
                try {
                    tcp.bind(new InetSocketAddress(bindAddress.getAddress(), udp.getLocalPort()));
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
                return new LocalDnsServer(udp, tcp, empty);
            } catch (BindException e) {
                udp.close();
                // the free UDP port picked for us may be taken for TCP: try another, but never a port asked for
                if (bindAddress.getPort() != 0 || attempt == BIND_ATTEMPTS) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                udp.close();
                throw e;
            }
        }
    }

    private LocalDnsServer(DatagramSocket udp, ServerSocket tcp, LocalZone initial) {
        this.udp = udp;
        this.tcp = tcp;
        this.zone = new AtomicReference<>(initial);
        this.udpServer = Thread.ofVirtual().name("local-dns-udp-" + port()).start(this::serveUdp);
        this.tcpAcceptor = Thread.ofVirtual().name("local-dns-tcp-" + port()).start(this::acceptTcp);
        log.info("local DNS for {}.internal listening on {} (UDP and TCP)", initial.app(), address());
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** Where clients should send queries, e.g. for {@link DnsSettings#withServers}. */
    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), port());
    }

    public String app() {
        return zone.get().app();
    }

    /** The TTL of every answer from now on; zero tells clients not to cache. */
    public void setTtl(Duration ttl) {
        zone.updateAndGet(z -> z.withTtl(ttl));
    }

    /** Registers a member, or moves it: it keeps its region, a new one gets {@value #DEFAULT_REGION}. */
    public void put(String machineId, InetAddress address) {
        zone.updateAndGet(z -> {
            LocalZone.LocalMember known = z.members().get(machineId);
            String region = known == null ? DEFAULT_REGION : known.region();
            return z.withMember(machineId, new LocalZone.LocalMember(address, region));
        });
    }

    public void put(String machineId, InetAddress address, String region) {
        zone.updateAndGet(z -> z.withMember(machineId, new LocalZone.LocalMember(address, region)));
    }

    /** The member's name answers NXDOMAIN from now on, and it leaves the member list. */
    public void remove(String machineId) {
        zone.updateAndGet(z -> z.withoutMember(machineId));
    }

    /** Answers every query with this result code (e.g. {@code Rcode.SERVFAIL}), or normally again when empty. */
    public void failWith(Optional<Integer> rcode) {
        failureRcode = rcode;
    }

    /** Drops every query while set, so that clients time out. */
    public void silence(boolean drop) {
        silent = drop;
    }

    /**
     * Serves the registry in this {@link RegistryFile} (app, TTL and members) and reloads it whenever the file is
     * replaced. Loads it once before returning.
     *
     * @throws IOException when the file cannot be read or parsed now
     * @throws IllegalStateException when already watching a file
     */
    public synchronized void watch(Path registryFile) throws IOException {
        if (watcher != null) {
            throw new IllegalStateException("already watching a registry file");
        }
        watcher = RegistryFileWatcher.start(registryFile, zone::set);
    }

    /** Stops serving and releases the port at once; queries in flight may go unanswered. */
    @Override
    public void close() {
        udp.close();
        closeQuietly(tcp);
        connections.forEach(LocalDnsServer::closeQuietly);
        synchronized (this) {
            if (watcher != null) {
                watcher.close();
            }
        }
        try {
            udpServer.join(Duration.ofSeconds(1));
            tcpAcceptor.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                Optional<Message> query = parse(packet.getData(), packet.getLength());
                Optional<Message> response = query.flatMap(this::respond);
                if (response.isPresent()) {
                    // toWire truncates and sets TC when the answer outgrows the client's UDP size: it retries over TCP
                    byte[] wire = response.get().toWire(udpPayloadLimit(query.get()));
                    udp.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (!udp.isClosed()) {
                    log.warn("local DNS UDP: {}", e.toString());
                }
            }
        }
    }

    private void acceptTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket connection = tcp.accept();
                connections.add(connection);
                Thread.ofVirtual().name("local-dns-tcp-connection").start(() -> serveTcp(connection));
            } catch (IOException e) {
                if (!tcp.isClosed()) {
                    log.warn("local DNS TCP accept: {}", e.toString());
                }
            }
        }
    }

    /** RFC 1035 4.2.2: each message is preceded by its two-byte length; a client may send several. */
    private void serveTcp(Socket connection) {
        try (connection) {
            DataInputStream in = new DataInputStream(connection.getInputStream());
            DataOutputStream out = new DataOutputStream(connection.getOutputStream());
            while (true) {
                byte[] wire = new byte[in.readUnsignedShort()];
                in.readFully(wire);
                Optional<Message> response = parse(wire, wire.length).flatMap(this::respond);
                if (response.isPresent()) {
                    byte[] answer = response.get().toWire(Message.MAXLENGTH);
                    out.writeShort(answer.length);
                    out.write(answer);
                    out.flush();
                }
            }
        } catch (EOFException e) {
            // the client is done
        } catch (IOException e) {
            if (!tcp.isClosed()) {
                log.debug("local DNS TCP connection: {}", e.toString());
            }
        } finally {
            connections.remove(connection);
        }
    }

    private Optional<Message> respond(Message query) {
        if (silent) {
            return Optional.empty();
        }
        return Optional.of(failureRcode
                .map(rcode -> LocalZone.emptyResponse(query, rcode))
                .orElseGet(() -> zone.get().answer(query)));
    }

    private static Optional<Message> parse(byte[] wire, int length) {
        try {
            byte[] exact = new byte[length];
            System.arraycopy(wire, 0, exact, 0, length);
            return Optional.of(new Message(exact));
        } catch (IOException e) {
            log.debug("local DNS: dropping a malformed query: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static int udpPayloadLimit(Message query) {
        OPTRecord opt = query.getOPT();
        return opt == null ? MIN_UDP_PAYLOAD : Math.max(MIN_UDP_PAYLOAD, opt.getPayloadSize());
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("closing {}: {}", closeable, e.toString());
        }
    }
}
