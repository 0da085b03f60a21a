package dev.pgmanager.store.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each peer of an ensemble is doing now, asked of the peer itself (ZooKeeper's {@code srvr} command on its
 * client port, the one it allows by default): whether it answers, whether it leads or follows, and at which
 * address its name resolves now. For {@code /cluster}, {@code pgmanager store status} and {@code doctor}.
 */
public final class EnsembleStatus {
    private static final Pattern MODE = Pattern.compile("(?m)^Mode: (\\w+)");
    private static final Pattern ZXID = Pattern.compile("(?m)^Zxid: (0x[0-9a-fA-F]+)");

    private EnsembleStatus() {}

    /**
     * One peer.
     *
     * @param address where its name resolves now (empty when it does not)
     * @param mode    {@code leader}, {@code follower}, {@code not serving} (up but without a quorum),
     *                {@code unreachable} or {@code unresolved}
     * @param zxid    the last transaction it has, when it serves
     */
    public record PeerStatus(long id, String host, int clientPort, Optional<InetAddress> address, String mode, Optional<String> zxid) {
        /** A follower serves only once it is in sync with the leader; the leader is in sync by definition. */
        public boolean inSync() {
            return mode.equals("leader") || mode.equals("follower") || mode.equals("standalone");
        }
    }

    /** Every peer's status and what follows from them. */
    public record Report(List<PeerStatus> peers, int quorum) {
        public Optional<PeerStatus> leader() {
            return peers.stream().filter(p -> p.mode().equals("leader") || p.mode().equals("standalone")).findFirst();
        }

        public long inSync() {
            return peers.stream().filter(PeerStatus::inSync).count();
        }

        /** Whether a majority of the peers serve with a leader among them. */
        public boolean quorate() {
            return leader().isPresent() && inSync() >= quorum;
        }
    }

    /**
     * Asks every peer of {@code config} at once, each at most {@code timeout} (to connect, and again to answer). Each
     * peer gets a thread of its own, not a parallel stream's: that would ask only as many peers at a time as the
     * machine has CPUs (five silent peers on two CPUs would take three timeouts), and would block the JVM's common
     * pool, which others need, while it waits on the network.
     */
    public static Report probe(EnsembleConfig config, Duration timeout) {
        List<Callable<PeerStatus>> asks = config.servers().stream().<Callable<PeerStatus>>map(s -> () -> probe(s, timeout)).toList();
        try (ExecutorService askers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ensemble-probe-", 0).factory())) {
            List<PeerStatus> peers = new ArrayList<>();
            for (Future<PeerStatus> answer : askers.invokeAll(asks)) peers.add(answer.get());
            return new Report(peers, config.quorum());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the ensemble's peers", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("asking a peer of the ensemble failed: " + e.getCause(), e.getCause());
        }
    }

    private static PeerStatus probe(EnsembleConfig.Server server, Duration timeout) {
        InetAddress address;
        try {
            address = InetAddress.getByName(server.host());
        } catch (IOException e) {
            return new PeerStatus(server.id(), server.host(), server.clientPort(), Optional.empty(), "unresolved", Optional.empty());
        }
        Optional<InetAddress> shown = Optional.of(address);
        try (Socket socket = new Socket()) {
            int millis = Math.toIntExact(timeout.toMillis());
            socket.connect(new InetSocketAddress(address, server.clientPort()), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher mode = MODE.matcher(answer);
            Matcher zxid = ZXID.matcher(answer);
            return new PeerStatus(server.id(), server.host(), server.clientPort(), shown,
                    mode.find() ? mode.group(1) : "not serving", zxid.find() ? Optional.of(zxid.group(1)) : Optional.empty());
        } catch (IOException e) {
            return new PeerStatus(server.id(), server.host(), server.clientPort(), shown, "unreachable", Optional.empty());
        }
    }
}
