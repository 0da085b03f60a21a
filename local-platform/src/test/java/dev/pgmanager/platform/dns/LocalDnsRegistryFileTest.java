package dev.pgmanager.platform.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Another process moves a member by rewriting the registry file; the server follows. */
class LocalDnsRegistryFileTest {

    private static final String APP = "pg-local";
    private static final String MACHINE = "e2865d13a56789";

    @TempDir
    Path directory;

    private LocalDnsServer server;
    /** The watcher's log: its warning is the sign that it read the broken file (and kept the last good one). */
    private final ListAppender<ILoggingEvent> watcherLog = new ListAppender<>();
    private final Logger watcherLogger = (Logger) LoggerFactory.getLogger(RegistryFileWatcher.class);

    @BeforeEach
    void startServer() throws Exception {
        // the app comes from the file once watched
        server = LocalDnsServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), "not-yet-loaded");
        watcherLog.start();
        watcherLogger.addAppender(watcherLog);
    }

    @AfterEach
    void stopServer() {
        watcherLogger.detachAppender(watcherLog);
        server.close();
    }

    @Test
    void followsARewrittenFileAndKeepsTheLastGoodVersionOverABrokenOne() throws Exception {
        Path file = directory.resolve("dns.json");
        registryWith("127.0.0.11").write(file);
        server.watch(file);
        DnsSettings settings = DnsSettings.forApp(APP).withServers(List.of(server.address()));
        AddressResolver resolver = new DnsAddressResolver(settings);
        Optional<InetAddress> before = resolver.resolve(MachineId.of(MACHINE));

        registryWith("127.0.0.12").write(file);
        Optional<InetAddress> after = awaitAnswer(resolver, InetAddress.ofLiteral("127.0.0.12"));
        Files.writeString(file, "{\"app\": \"pg-local\", \"members\": {");
        Await.until(RegistryFileWatcher.POLL_INTERVAL.multipliedBy(15), "the watcher reads the broken file and keeps the last good one",
                () -> loggedByTheWatcher().stream().anyMatch(e -> e.getFormattedMessage()
                        .startsWith("keeping the previous DNS registry: cannot use " + file)));

        assertEquals(Optional.of(InetAddress.ofLiteral("127.0.0.11")), before);
        assertEquals(Optional.of(InetAddress.ofLiteral("127.0.0.12")), after);
        assertEquals(APP, server.app());
        assertEquals(Optional.of(InetAddress.ofLiteral("127.0.0.12")), resolver.resolve(MachineId.of(MACHINE)));
    }

    /**
     * A copy of what the watcher logged so far: it appends from its own thread (under the appender's lock), and reading
     * the list meanwhile threw ConcurrentModificationException in CI.
     */
    private List<ILoggingEvent> loggedByTheWatcher() {
        synchronized (watcherLog) {
            return List.copyOf(watcherLog.list);
        }
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        Path file = directory.resolve("dns.json");
        RegistryFile written = registryWith("127.0.0.11");
        written.write(file);

        assertEquals(written, RegistryFile.read(file));
        assertEquals(List.of("dns.json"), Files.list(directory).map(p -> p.getFileName().toString()).toList());
    }

    /** TTL 0, so the resolver asks DNS every time and only the file's reload is waited for. */
    private static RegistryFile registryWith(String address) {
        return new RegistryFile(APP, 0, Map.of(MACHINE, new RegistryFile.Member(address, "local")));
    }

    private static Optional<InetAddress> awaitAnswer(AddressResolver resolver, InetAddress expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        Optional<InetAddress> answer = resolver.resolve(MachineId.of(MACHINE));
        while (!answer.equals(Optional.of(expected)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            answer = resolver.resolve(MachineId.of(MACHINE));
        }
        return answer;
    }
}
