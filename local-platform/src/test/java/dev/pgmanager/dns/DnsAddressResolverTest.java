package dev.pgmanager.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.platform.dns.LocalDnsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Rcode;

/** The resolver against a real DNS server on a free loopback port. */
class DnsAddressResolverTest {

    private static final String APP = "pg-test";
    private static final String MACHINE = "e2865d13a56789";
    private static final InetAddress FIRST = InetAddress.ofLiteral("fdaa::1");
    private static final InetAddress SECOND = InetAddress.ofLiteral("fdaa::2");

    private LocalDnsServer server;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger resolverLog = (Logger) LoggerFactory.getLogger(DnsAddressResolver.class);

    @BeforeEach
    void startServer() throws Exception {
        server = LocalDnsServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), APP);
        logged.start();
        resolverLog.addAppender(logged);
    }

    @AfterEach
    void stopServer() {
        resolverLog.detachAppender(logged);
        server.close();
    }

    @Test
    void answersWithTheAaaaRecordOfAnIpv6Member() {
        server.put(MACHINE, FIRST);

        assertEquals(Optional.of(FIRST), resolver(settings()).resolve(MachineId.of(MACHINE)));
    }

    @Test
    void answersWithTheARecordOfAnIpv4Member() {
        InetAddress loopback = InetAddress.ofLiteral("127.0.0.11");
        server.put(MACHINE, loopback);

        assertEquals(Optional.of(loopback), resolver(settings()).resolve(MachineId.of(MACHINE)));
    }

    @Test
    void asksForAFirstWhenIpv6IsNotPreferred() {
        server.put(MACHINE, FIRST);
        DnsSettings ipv4First = new DnsSettings(List.of(server.address()), DnsSettings.FLY_NAME_PATTERN, APP,
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60), false);

        assertEquals(Optional.of(FIRST), resolver(ipv4First).resolve(MachineId.of(MACHINE)));
    }

    @Test
    void reusesAnAnswerWithinItsTtl() {
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());
        resolver.resolve(MachineId.of(MACHINE));

        server.put(MACHINE, SECOND);

        assertEquals(Optional.of(FIRST), resolver.resolve(MachineId.of(MACHINE)));
        assertEquals(1, resolver.stats().lookups());
    }

    @Test
    void followsAMoveOnceTheTtlHasRunOut() throws Exception {
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());
        resolver.resolve(MachineId.of(MACHINE));

        server.put(MACHINE, SECOND);
        Thread.sleep(1_200);

        assertEquals(Optional.of(SECOND), resolver.resolve(MachineId.of(MACHINE)));
        assertEquals(new DnsStats(2, 0, 1), resolver.stats());
        List<String> infos = messages(Level.INFO);
        assertTrue(infos.contains(MACHINE + " moved: fdaa::1 -> fdaa::2"), infos::toString);
    }

    @Test
    void capsALongTtlAtTheMaximumCacheTime() throws Exception {
        server.setTtl(Duration.ofHours(1));
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(new DnsSettings(List.of(server.address()), DnsSettings.FLY_NAME_PATTERN,
                APP, Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(60), true));
        resolver.resolve(MachineId.of(MACHINE));

        server.put(MACHINE, SECOND);
        Thread.sleep(400);

        assertEquals(Optional.of(SECOND), resolver.resolve(MachineId.of(MACHINE)));
    }

    @Test
    void doesNotCacheAZeroTtl() {
        server.setTtl(Duration.ZERO);
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());
        resolver.resolve(MachineId.of(MACHINE));

        server.put(MACHINE, SECOND);

        assertEquals(Optional.of(SECOND), resolver.resolve(MachineId.of(MACHINE)));
    }

    @Test
    void anUnknownMachineHasNoAddress() {
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());

        assertEquals(Optional.empty(), resolver.resolve(MachineId.of("d8d9a5e2f1c3b4")));
        assertEquals(new DnsStats(1, 1, 0), resolver.stats());
    }

    @Test
    void servesTheLastGoodAnswerThroughServfailUntilTheGraceRunsOut() throws Exception {
        server.setTtl(Duration.ZERO);
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        resolver.resolve(MachineId.of(MACHINE));

        server.failWith(Optional.of(Rcode.SERVFAIL));
        Optional<InetAddress> duringGrace = resolver.resolve(MachineId.of(MACHINE));
        Thread.sleep(1_100);
        Optional<InetAddress> afterGrace = resolver.resolve(MachineId.of(MACHINE));

        assertEquals(Optional.of(FIRST), duringGrace);
        assertEquals(Optional.empty(), afterGrace);
        assertEquals(new DnsStats(3, 2, 0), resolver.stats());
    }

    @Test
    void aSilentServerCostsNoMoreThanTheTimeoutAndTheLastGoodAnswerIsServed() {
        server.setTtl(Duration.ZERO);
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings(Duration.ofSeconds(10), Duration.ofMillis(300)));
        resolver.resolve(MachineId.of(MACHINE));

        server.silence(true);
        long start = System.nanoTime();
        Optional<InetAddress> answer = resolver.resolve(MachineId.of(MACHINE));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(Optional.of(FIRST), answer);
        assertTrue(waited.compareTo(Duration.ofMillis(200)) >= 0, () -> "asked DNS, so waited: " + waited);
        assertTrue(waited.compareTo(Duration.ofSeconds(2)) < 0, () -> "bounded by the timeout: " + waited);
        assertEquals(1, resolver.stats().failures());
    }

    @Test
    void aSilentServerWithNothingKnownGivesNoAddress() {
        server.silence(true);
        DnsAddressResolver resolver = resolver(settings(Duration.ofSeconds(10), Duration.ofMillis(200)));

        assertEquals(Optional.empty(), resolver.resolve(MachineId.of(MACHINE)));
    }

    @Test
    void warnsOncePerIncidentAndLogsTheRecovery() {
        server.setTtl(Duration.ZERO);
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());
        resolver.resolve(MachineId.of(MACHINE));

        server.failWith(Optional.of(Rcode.SERVFAIL));
        IntStream.range(0, 3).forEach(i -> resolver.resolve(MachineId.of(MACHINE)));
        int warningsInFirstIncident = messages(Level.WARN).size();
        server.failWith(Optional.empty());
        resolver.resolve(MachineId.of(MACHINE));
        server.failWith(Optional.of(Rcode.SERVFAIL));
        resolver.resolve(MachineId.of(MACHINE));

        assertEquals(1, warningsInFirstIncident);
        assertEquals(2, messages(Level.WARN).size());
        assertEquals(1, messages(Level.INFO).stream().filter(m -> m.contains("again, after 3 failed")).count());
        assertEquals(new DnsStats(6, 4, 0), resolver.stats());
    }

    @Test
    void concurrentCallersShareOneLookup() throws Exception {
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());
        Callable<Optional<InetAddress>> resolveIt = () -> resolver.resolve(MachineId.of(MACHINE));

        List<Optional<InetAddress>> answers;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Optional<InetAddress>>> pending = callers.invokeAll(Collections.nCopies(50, resolveIt));
            answers = pending.stream().map(Future::resultNow).toList();
        }

        assertTrue(answers.stream().allMatch(Optional.of(FIRST)::equals), answers::toString);
        assertEquals(1, resolver.stats().lookups());
    }

    /**
     * The JVM's common fork-join pool is everyone's (parallel streams, other libraries) and may be busy with blocking
     * work for longer than a DNS timeout: it has a single worker on a machine of one or two CPUs. An answer that
     * arrives meanwhile must still be taken, or every name lookup of the process (ZooKeeper's among them) fails.
     */
    @Test
    void answersWhileTheCommonPoolIsBusy() throws Exception {
        server.put(MACHINE, FIRST);
        DnsAddressResolver resolver = resolver(settings());
        int workers = ForkJoinPool.commonPool().getParallelism();
        CountDownLatch busy = new CountDownLatch(workers);
        CountDownLatch release = new CountDownLatch(1);
        List<ForkJoinTask<?>> blockers = IntStream.range(0, workers).<ForkJoinTask<?>>mapToObj(i -> ForkJoinPool.commonPool().submit(() -> {
            busy.countDown();
            // Not a managed block (as a socket read is not): the pool does not add a worker to make up for it.
            while (release.getCount() > 0) LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        })).toList();
        try {
            assertTrue(busy.await(5, TimeUnit.SECONDS), "the common pool's workers are all busy");
            assertEquals(Optional.of(FIRST), resolver.resolve(MachineId.of(MACHINE)));
        } finally {
            release.countDown();
            blockers.forEach(ForkJoinTask::join);
        }
    }

    private DnsSettings settings() {
        return settings(Duration.ofSeconds(60), Duration.ofSeconds(1));
    }

    private DnsSettings settings(Duration staleGrace, Duration timeout) {
        return new DnsSettings(List.of(server.address()), DnsSettings.FLY_NAME_PATTERN, APP, timeout,
                Duration.ofSeconds(5), staleGrace, true);
    }

    private static DnsAddressResolver resolver(DnsSettings settings) {
        return new DnsAddressResolver(settings);
    }

    private List<String> messages(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }
}
