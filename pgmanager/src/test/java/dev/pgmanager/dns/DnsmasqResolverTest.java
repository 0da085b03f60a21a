package dev.pgmanager.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.testing.Prerequisites;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The resolver against a separate, real DNS server: a {@code dnsmasq} process (Debian: {@code dnsmasq-base}, which
 * {@code .ci/run} installs) on 127.0.0.1 and a free port, answering {@code <id>.vm.app.internal} from a hosts file
 * with a short TTL. Records change by rewriting that file and sending dnsmasq SIGHUP; outages are SIGSTOP (a server
 * that is there but silent) and SIGKILL (nothing listening). One dnsmasq per class; a test that kills it gets a new
 * one on the same port before the next test.
 */
class DnsmasqResolverTest {

    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final String APP = "app";
    private static final String MACHINE = "e2865d13a56789";
    private static final String IPV4_MACHINE = "d8d9a5e2f1c3b4";
    private static final String UNKNOWN_MACHINE = "0123456789abcd";
    private static final InetAddress FIRST = InetAddress.ofLiteral("fdaa::1");
    private static final InetAddress SECOND = InetAddress.ofLiteral("fdaa::2");
    private static final InetAddress IPV4 = InetAddress.ofLiteral("127.0.0.11");
    /** dnsmasq's {@code --local-ttl}: the TTL of every answer from the hosts file. */
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final int RELOAD_TRIES = 3;

    private static Dnsmasq dnsmasq;

    /** Starts dnsmasq where it is installed; each test requires it, so that a skip is reported per test, with why. */
    @BeforeAll
    static void startDnsmasq() throws Exception {
        Optional<Path> binary = Dnsmasq.find();
        if (binary.isPresent()) dnsmasq = Dnsmasq.start(binary.get(), TTL);
    }

    @AfterAll
    static void stopDnsmasq() throws Exception {
        if (dnsmasq != null) {
            dnsmasq.close();
            assertTrue(dnsmasq.gone(), "dnsmasq still running");
        }
    }

    @BeforeEach
    void baseline() throws Exception {
        Prerequisites.require(dnsmasq != null, "dnsmasq (Debian: apt-get install dnsmasq-base; .ci/run installs it)");
        dnsmasq.ensureRunning();
        dnsmasq.serve(Map.of(MACHINE, FIRST, IPV4_MACHINE, IPV4));
    }

    @AfterEach
    void resume() throws Exception {
        dnsmasq.resumeIfStopped();
    }

    @Test
    void answersWithTheAaaaRecordOfAnIpv6Member() {
        DnsAddressResolver resolver = resolver(settings());

        assertEquals(Optional.of(FIRST), resolver.resolve(MachineId.of(MACHINE)));
        assertEquals(new DnsStats(1, 0, 0), resolver.stats());
    }

    @Test
    void answersWithTheARecordOfAnIpv4Member() {
        // dnsmasq answers the AAAA question with NOERROR and no record (NODATA), then the A question
        DnsAddressResolver resolver = resolver(settings());

        assertEquals(Optional.of(IPV4), resolver.resolve(MachineId.of(IPV4_MACHINE)));
        assertEquals(new DnsStats(1, 0, 0), resolver.stats());
    }

    @Test
    void dnsmasqAnswersWithTheConfiguredTtl() throws Exception {
        Record answer = dnsmasq.ask(MACHINE, Type.AAAA).orElseThrow();

        assertEquals(TTL.toSeconds(), answer.getTTL());
    }

    @Test
    void keepsAnAnswerForItsTtlThenPicksUpTheChangedRecord() throws Exception {
        // The record must change well within the TTL, or "still the cached answer" proves nothing: a loaded machine
        // may reload dnsmasq slowly once, so each try starts again from the first record with a fresh resolver.
        DnsAddressResolver resolver;
        long askedAt;
        Duration changedAfter;
        for (int attempt = 1; ; attempt++) {
            resolver = resolver(settings());
            askedAt = System.nanoTime();
            assertEquals(Optional.of(FIRST), resolver.resolve(MachineId.of(MACHINE)));
            dnsmasq.serve(Map.of(MACHINE, SECOND, IPV4_MACHINE, IPV4));
            changedAfter = since(askedAt);
            if (changedAfter.compareTo(TTL.minusMillis(500)) < 0) break;
            Duration slowest = changedAfter;
            Prerequisites.require(attempt < RELOAD_TRIES, () -> "a dnsmasq reload within " + TTL.minusMillis(500).toMillis()
                    + " ms (" + RELOAD_TRIES + " tries, the last took " + slowest.toMillis() + " ms)");
            dnsmasq.serve(Map.of(MACHINE, FIRST, IPV4_MACHINE, IPV4));
        }
        Optional<InetAddress> withinTtl = resolver.resolve(MachineId.of(MACHINE));
        sleepUntil(askedAt, TTL.plusMillis(100));
        Optional<InetAddress> afterTtl = resolver.resolve(MachineId.of(MACHINE));
        Optional<InetAddress> cachedAgain = resolver.resolve(MachineId.of(MACHINE));

        assertEquals(Optional.of(FIRST), withinTtl, "dnsmasq already serves " + SECOND + ", but the TTL had not run out");
        assertEquals(Optional.of(SECOND), afterTtl);
        assertEquals(Optional.of(SECOND), cachedAgain);
        assertEquals(new DnsStats(2, 0, 1), resolver.stats());
        System.out.printf("dnsmasq: record changed %d ms after the first answer, picked up %d ms after it (TTL %d s)%n",
                changedAfter.toMillis(), TTL.plusMillis(100).toMillis(), TTL.toSeconds());
    }

    @Test
    void aMaximumCacheTimeBelowTheTtlWins() throws Exception {
        DnsAddressResolver resolver = resolver(settings(Duration.ofSeconds(1), Duration.ofMillis(300),
                Duration.ofSeconds(60)));
        resolver.resolve(MachineId.of(MACHINE));

        dnsmasq.serve(Map.of(MACHINE, SECOND));
        Thread.sleep(400);

        assertEquals(Optional.of(SECOND), resolver.resolve(MachineId.of(MACHINE)));
        assertEquals(new DnsStats(2, 0, 1), resolver.stats());
    }

    @Test
    void anUnknownMemberGetsNxdomainAndNoAddress() throws Exception {
        assertEquals(Rcode.NXDOMAIN, dnsmasq.rcode(UNKNOWN_MACHINE, Type.AAAA));
        DnsAddressResolver resolver = resolver(settings());

        assertEquals(Optional.empty(), resolver.resolve(MachineId.of(UNKNOWN_MACHINE)));
        assertEquals(Optional.empty(), resolver.resolve(MachineId.of(UNKNOWN_MACHINE)));
        assertEquals(new DnsStats(2, 2, 0), resolver.stats());
    }

    @Test
    void aRemovedMemberIsServedFromTheLastGoodAnswerOnlyWithinTheGrace() throws Exception {
        DnsAddressResolver resolver = resolver(settings(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1)));
        resolver.resolve(MachineId.of(MACHINE));

        dnsmasq.serve(Map.of(IPV4_MACHINE, IPV4));
        long removedAt = System.nanoTime();
        Optional<InetAddress> withinGrace = resolver.resolve(MachineId.of(MACHINE));
        sleepUntil(removedAt, Duration.ofMillis(1_200));
        Optional<InetAddress> afterGrace = resolver.resolve(MachineId.of(MACHINE));

        assertEquals(Optional.of(FIRST), withinGrace);
        assertEquals(Optional.empty(), afterGrace);
        assertEquals(new DnsStats(3, 2, 0), resolver.stats());
    }

    @Test
    void aStoppedDnsmasqCostsTheTimeoutAndTheLastGoodAnswerIsServedWithinTheGrace() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        Duration grace = Duration.ofSeconds(1);
        DnsAddressResolver resolver = resolver(settings(timeout, Duration.ZERO, grace));
        assertEquals(Optional.of(FIRST), resolver.resolve(MachineId.of(MACHINE)));
        long answeredAt = System.nanoTime();

        dnsmasq.signal("-STOP");
        Timed duringGrace = Timed.resolve(resolver, MACHINE);
        sleepUntil(answeredAt, grace.plusMillis(200));
        Timed afterGrace = Timed.resolve(resolver, MACHINE);
        dnsmasq.signal("-CONT");
        Timed recovered = Timed.resolve(resolver, MACHINE);

        assertEquals(Optional.of(FIRST), duringGrace.answer());
        assertBetween(timeout.minusMillis(50), timeout.plusMillis(700), duringGrace.took(), "silence costs the timeout");
        assertEquals(Optional.empty(), afterGrace.answer(), "the grace ran out while dnsmasq was stopped");
        assertBetween(timeout.minusMillis(50), timeout.plusMillis(700), afterGrace.took(), "silence costs the timeout");
        assertEquals(Optional.of(FIRST), recovered.answer(), "dnsmasq answers again after SIGCONT");
        assertEquals(new DnsStats(4, 2, 0), resolver.stats());
        System.out.printf("dnsmasq SIGSTOP: %d ms and %d ms per failed lookup (timeout %d ms), %d ms after SIGCONT%n",
                duringGrace.took().toMillis(), afterGrace.took().toMillis(), timeout.toMillis(),
                recovered.took().toMillis());
    }

    @Test
    void aKilledDnsmasqLeavesTheLastGoodAnswerUntilTheGraceRunsOut() throws Exception {
        Duration timeout = Duration.ofMillis(500);
        Duration grace = Duration.ofSeconds(1);
        DnsAddressResolver resolver = resolver(settings(timeout, Duration.ZERO, grace));
        assertEquals(Optional.of(FIRST), resolver.resolve(MachineId.of(MACHINE)));
        long answeredAt = System.nanoTime();

        dnsmasq.kill();
        Timed duringGrace = Timed.resolve(resolver, MACHINE);
        sleepUntil(answeredAt, grace.plusMillis(200));
        Timed afterGrace = Timed.resolve(resolver, MACHINE);

        assertEquals(Optional.of(FIRST), duringGrace.answer());
        assertEquals(Optional.empty(), afterGrace.answer());
        assertTrue(duringGrace.took().compareTo(timeout.plusMillis(700)) < 0, () -> "bounded: " + duringGrace.took());
        assertTrue(afterGrace.took().compareTo(timeout.plusMillis(700)) < 0, () -> "bounded: " + afterGrace.took());
        assertEquals(new DnsStats(3, 2, 0), resolver.stats());
        System.out.printf("dnsmasq SIGKILL: %d ms and %d ms per failed lookup (timeout %d ms)%n",
                duringGrace.took().toMillis(), afterGrace.took().toMillis(), timeout.toMillis());
    }

    @Test
    void aKilledDnsmasqWithNothingKnownGivesNoAddress() throws Exception {
        dnsmasq.kill();
        DnsAddressResolver resolver = resolver(settings(Duration.ofMillis(300), Duration.ZERO, Duration.ofSeconds(60)));

        assertEquals(Optional.empty(), resolver.resolve(MachineId.of(MACHINE)));
        assertEquals(new DnsStats(1, 1, 0), resolver.stats());
    }

    private static DnsSettings settings() {
        return settings(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    private static DnsSettings settings(Duration timeout, Duration maxCacheTtl, Duration staleGrace) {
        return new DnsSettings(List.of(dnsmasq.address()), DnsSettings.FLY_NAME_PATTERN, APP, timeout, maxCacheTtl,
                staleGrace, true);
    }

    private static DnsAddressResolver resolver(DnsSettings settings) {
        return new DnsAddressResolver(settings);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void sleepUntil(long startNanos, Duration after) throws InterruptedException {
        long leftNanos = startNanos + after.toNanos() - System.nanoTime();
        if (leftNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(leftNanos);
        }
    }

    private static void assertBetween(Duration low, Duration high, Duration actual, String what) {
        assertTrue(actual.compareTo(low) >= 0 && actual.compareTo(high) <= 0,
                () -> what + ": " + actual.toMillis() + " ms, expected " + low.toMillis() + ".." + high.toMillis());
    }

    private record Timed(Optional<InetAddress> answer, Duration took) {

        static Timed resolve(DnsAddressResolver resolver, String machineId) {
            long start = System.nanoTime();
            Optional<InetAddress> answer = resolver.resolve(MachineId.of(machineId));
            return new Timed(answer, since(start));
        }
    }

    /** One foreground dnsmasq on 127.0.0.1, answering only from its own hosts file; never forwards anything. */
    private static final class Dnsmasq implements AutoCloseable {

        private static final Duration START_BOUND = Duration.ofSeconds(10);

        private final Path binary;
        private final Duration ttl;
        private final Path dir;
        private final Path hosts;
        private final Path log;
        private int port;
        private Process process;
        private boolean stopped;

        private Dnsmasq(Path binary, Duration ttl, Path dir) {
            this.binary = binary;
            this.ttl = ttl;
            this.dir = dir;
            this.hosts = dir.resolve("hosts");
            this.log = dir.resolve("dnsmasq.log");
        }

        static Optional<Path> find() {
            Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                    .filter(entry -> !entry.isEmpty()).map(Path::of);
            return Stream.concat(onPath, Stream.of(Path.of("/usr/sbin"), Path.of("/sbin")))
                    .map(entry -> entry.resolve("dnsmasq"))
                    .filter(Files::isExecutable)
                    .findFirst();
        }

        static Dnsmasq start(Path binary, Duration ttl) throws Exception {
            Dnsmasq dnsmasq = new Dnsmasq(binary, ttl, Files.createTempDirectory("pgmanager-dnsmasq-"));
            // the JVM may end without @AfterAll (e.g. killed by a surefire timeout): leave no dnsmasq behind then either
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(dnsmasq::closeQuietly));
            try {
                dnsmasq.writeHosts(Map.of());
                IOException lastFailure = null;
                for (int attempt = 0; attempt < 5; attempt++) {
                    dnsmasq.port = freePort();
                    try {
                        dnsmasq.launch();
                        return dnsmasq;
                    } catch (IOException e) {
                        lastFailure = e; // most likely the port was taken in between: try another
                    }
                }
                throw lastFailure;
            } catch (Exception | Error e) {
                dnsmasq.close();
                throw e;
            }
        }

        InetSocketAddress address() {
            return new InetSocketAddress(LOOPBACK, port);
        }

        /** Makes the hosts file say exactly this, and waits until dnsmasq answers from it. */
        void serve(Map<String, InetAddress> members) throws Exception {
            writeHosts(members);
            signal("-HUP");
            // the reload is asynchronous: ask dnsmasq directly (the resolver under test keeps its own cache)
            long deadline = System.nanoTime() + START_BOUND.toNanos();
            while (!servesExactly(members)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("dnsmasq did not reload " + hosts + ": " + logTail());
                }
                Thread.sleep(10);
            }
        }

        Optional<Record> ask(String machineId, int type) throws IOException {
            Message response = query(machineId, type);
            return response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type).findFirst();
        }

        int rcode(String machineId, int type) throws IOException {
            return query(machineId, type).getRcode();
        }

        void signal(String signal) throws Exception {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes());
            assertEquals(0, kill.waitFor(), "kill " + signal + " " + process.pid() + ": " + output);
            if (signal.equals("-STOP")) {
                stopped = true;
            } else if (signal.equals("-CONT")) {
                stopped = false;
            }
        }

        void resumeIfStopped() throws Exception {
            if (stopped && process.isAlive()) {
                signal("-CONT");
            }
        }

        /** SIGKILL: nothing listens on the port any more. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(5, TimeUnit.SECONDS), "dnsmasq survived SIGKILL");
            stopped = false;
        }

        /** A new dnsmasq on the same port when a test killed the last one. */
        void ensureRunning() throws Exception {
            if (process == null || !process.isAlive()) {
                launch();
            }
        }

        boolean gone() {
            return process == null || !process.isAlive();
        }

        @Override
        public void close() throws IOException {
            try {
                if (process != null && process.isAlive()) {
                    // SIGKILL also ends a stopped process, which SIGTERM would not until it is continued
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                deleteRecursively(dir);
            }
        }

        private void closeQuietly() {
            try {
                close();
            } catch (IOException | RuntimeException ignored) {
                // the JVM is ending anyway
            }
        }

        private void launch() throws Exception {
            List<String> command = new ArrayList<>(List.of(
                    binary.toString(),
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--no-poll",
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--port=" + port,
                    "--local-ttl=" + ttl.toSeconds(),
                    "--addn-hosts=" + hosts,
                    // names under .internal come only from the hosts file: an unknown one is NXDOMAIN, not REFUSED
                    "--local=/internal/",
                    "--pid-file=" + dir.resolve("dnsmasq.pid"),
                    "--log-facility=-",
                    "--log-queries",
                    // run as whoever runs the tests (as root: stay root, so the hosts file stays readable on SIGHUP)
                    "--user=" + System.getProperty("user.name")));
            Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            stopped = false;
            long deadline = System.nanoTime() + START_BOUND.toNanos();
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + logTail());
                }
                try {
                    query(UNKNOWN_MACHINE, Type.AAAA);
                    return;
                } catch (IOException notYet) {
                    if (System.nanoTime() - deadline > 0) {
                        close();
                        throw new AssertionError("dnsmasq did not answer within " + START_BOUND + ": " + logTail());
                    }
                    Thread.sleep(20);
                }
            }
        }

        private boolean servesExactly(Map<String, InetAddress> members) throws IOException {
            for (Map.Entry<String, InetAddress> member : members.entrySet()) {
                int type = member.getValue().getAddress().length == 16 ? Type.AAAA : Type.A;
                Optional<InetAddress> served = ask(member.getKey(), type).map(r -> switch (r) {
                    case AAAARecord aaaa -> aaaa.getAddress();
                    case ARecord a -> a.getAddress();
                    default -> null;
                });
                if (served.isEmpty() || !Arrays.equals(served.get().getAddress(),
                        member.getValue().getAddress())) {
                    return false;
                }
            }
            for (String known : List.of(MACHINE, IPV4_MACHINE)) {
                if (!members.containsKey(known) && rcode(known, Type.AAAA) != Rcode.NXDOMAIN) {
                    return false;
                }
            }
            return true;
        }

        private Message query(String machineId, int type) throws IOException {
            SimpleResolver direct = new SimpleResolver(address());
            direct.setTimeout(Duration.ofMillis(200));
            Name name = Name.fromString(machineId + ".vm." + APP + ".internal.");
            return direct.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
        }

        private void writeHosts(Map<String, InetAddress> members) throws IOException {
            StringBuilder text = new StringBuilder();
            new LinkedHashMap<>(members).forEach((id, address) -> text.append(address.getHostAddress())
                    .append(' ').append(id).append(".vm.").append(APP).append(".internal\n"));
            // replace, never rewrite in place: dnsmasq must not read half a file
            Path next = dir.resolve("hosts.next");
            Files.writeString(next, text);
            Files.move(next, hosts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }

        private String logTail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        private static int freePort() throws IOException {
            // dnsmasq wants the port for both UDP and TCP
            for (int attempt = 0; attempt < 20; attempt++) {
                int port;
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                    port = udp.getLocalPort();
                }
                try (ServerSocket tcp = new ServerSocket(port, 1, LOOPBACK)) {
                    return tcp.getLocalPort();
                } catch (IOException taken) {
                    // try another
                }
            }
            throw new IOException("no free loopback port for both UDP and TCP");
        }

        private static void deleteRecursively(Path root) throws IOException {
            if (!Files.exists(root)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
