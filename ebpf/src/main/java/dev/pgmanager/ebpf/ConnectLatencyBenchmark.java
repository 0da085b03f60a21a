package dev.pgmanager.ebpf;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the rewriter costs a TCP connect: mean connect latency to a listener on {@code ::1} with no program attached,
 * attached with entries none of which match, and attached with the destination rewritten (an unassigned fdaa::/16
 * address sent to {@code ::1}). No packet leaves the machine.
 *
 * <p>This process moves itself into a child cgroup of its own cgroup for the run (so no other process is affected),
 * attaches there with its own pin directory, and moves back, detaches and removes both afterwards.
 */
public final class ConnectLatencyBenchmark {
    private static final int WARM_UP = 2000;
    private static final int ROUNDS = 10;

    private final PrintStream out;

    public ConnectLatencyBenchmark(PrintStream out) {
        this.out = out;
    }

    public void run(int connects, int entries) throws Exception {
        Path home = ownCgroup();
        Path cgroup = Files.createDirectory(home.resolve("pgmanager-bench-" + UUID.randomUUID().toString().substring(0, 8)));
        RewriterSettings settings = new RewriterSettings(
                Path.of("/sys/fs/bpf/pgmanager-bench-" + UUID.randomUUID().toString().substring(0, 8)), Optional.of(cgroup));
        InetAddress loopback = InetAddress.getByName("::1");
        InetAddress stale = InetAddress.getByName(String.format("fdaa:0:%x::1", ThreadLocalRandom.current().nextInt(0x1000, 0xffff)));
        RewriterStatus status = StaleAddressRewriter.open(settings);
        if (!(status instanceof RewriterStatus.Running(StaleAddressRewriter rewriter))) {
            Files.deleteIfExists(cgroup);
            throw new IllegalStateException("the rewriter is off: " + ((RewriterStatus.Off) status).reason());
        }
        try (Listener listener = new Listener(loopback)) {
            for (int i = 0; i < entries; i++) {
                rewriter.rewrite(randomFlyAddress(), loopback);
            }
            rewriter.rewrite(stale, loopback);
            InetSocketAddress direct = new InetSocketAddress(loopback, listener.port());
            InetSocketAddress rewritten = new InetSocketAddress(stale, listener.port());
            for (int i = 0; i < WARM_UP; i++) {
                connectOnce(direct);
            }
            // Rounds alternate the cases, moving this process in and out of the attached cgroup, so that JIT
            // warm-up and drift of the machine weigh on all of them alike.
            long[] totals = new long[3];
            int perRound = Math.max(1, connects / ROUNDS);
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    moveSelf(home);
                    totals[0] += connectNanos(direct, perRound);
                    moveSelf(cgroup);
                    totals[1] += connectNanos(direct, perRound);
                    totals[2] += connectNanos(rewritten, perRound);
                    rewriter.pollEvents(event -> {}); // keep the ring from filling with the rewritten connects' events
                }
            } finally {
                moveSelf(home);
            }
            int measured = perRound * ROUNDS;
            print(measured, entries, totals[0] / 1000.0 / measured, totals[1] / 1000.0 / measured,
                    totals[2] / 1000.0 / measured);
        } finally {
            rewriter.detach();
            Files.deleteIfExists(cgroup);
        }
    }

    private void print(int connects, int entries, double baseline, double noMatch, double rewritten) {
        out.printf("TCP connects to a listener on ::1, %d per case in %d alternating rounds (after %d warm-up connects)%n",
                connects, ROUNDS, WARM_UP);
        out.printf("%-48s %8.1f µs%n", "no program attached", baseline);
        out.printf("%-48s %8.1f µs  %.2fx%n", "attached, " + entries + " entries, none matching", noMatch, noMatch / baseline);
        out.printf("%-48s %8.1f µs  %.2fx%n", "attached, destination rewritten", rewritten, rewritten / baseline);
    }

    private static long connectNanos(InetSocketAddress destination, int connects) throws IOException {
        long total = 0;
        for (int i = 0; i < connects; i++) {
            total += connectOnce(destination);
        }
        return total;
    }

    /** Nanoseconds in connect(); the socket is reset on close so that no TIME_WAIT eats the ephemeral ports. */
    private static long connectOnce(InetSocketAddress destination) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoLinger(true, 0);
            long start = System.nanoTime();
            socket.connect(destination, 5000);
            return System.nanoTime() - start;
        }
    }

    private static InetAddress randomFlyAddress() throws IOException {
        byte[] address = new byte[16];
        ThreadLocalRandom.current().nextBytes(address);
        address[0] = (byte) 0xfd;
        address[1] = (byte) 0xaa;
        return InetAddress.getByAddress(address);
    }

    /** This process's cgroup v2 directory, from the "0::" line of /proc/self/cgroup. */
    private static Path ownCgroup() throws Exception {
        Path root = Mounts.read().firstOfType("cgroup2").orElseThrow(() -> new IllegalStateException("no cgroup2 mount"));
        List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"));
        String relative = lines.stream().filter(line -> line.startsWith("0::")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no cgroup v2 line in /proc/self/cgroup")).substring(3);
        return root.resolve(relative.substring(1));
    }

    private static void moveSelf(Path cgroup) throws IOException {
        Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
    }

    /** Accepts and drops connections until closed. */
    private static final class Listener implements AutoCloseable {
        private final ServerSocket server;
        private final Thread thread;

        Listener(InetAddress address) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(address, 0), 4096);
            thread = Thread.ofPlatform().daemon().name("bench-listener").start(() -> {
                while (!server.isClosed()) {
                    try {
                        server.accept().close();
                    } catch (IOException e) {
                        // closed: the loop ends
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            server.close();
            thread.join(5000);
        }
    }
}
