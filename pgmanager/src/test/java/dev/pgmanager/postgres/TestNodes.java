package dev.pgmanager.postgres;

import dev.pgmanager.net.FreePorts;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pgmanager.net.MachineId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real PostgreSQL instances for a test, each in its own directories under one temporary root, on a free
 * loopback port. {@link #close()} kills every server that is still running and checks, by PID, that it
 * is gone. Public for the tests of other packages that need a real server (the sidecar's metrics).
 *
 * <p>As a JUnit extension it closes itself after each test, before JUnit removes the test's temporary directory:
 * {@code @TempDir Path root; @RegisterExtension final TestNodes nodes = new TestNodes(() -> root);}
 */
public final class TestNodes implements AutoCloseable, AfterEachCallback {
    static final PgBinaries BINARIES = PgBinaries.locate(Optional.empty());
    static final OsUser OS_USER = OsUser.named("postgres");
    public static final Credentials SUPERUSER = new Credentials("postgres", "super'secret\\pw");
    static final Credentials REPLICATION = new Credentials("replicator", "repl:secret pw");

    private final Supplier<Path> rootDirectory;
    private final List<PostgresController> started = new ArrayList<>();
    private Path root;

    public TestNodes(Path root) {
        this(() -> root);
    }

    /** Under {@code root}, asked for at the first node: a {@code @TempDir} field is injected after an extension field is set. */
    public TestNodes(Supplier<Path> root) {
        this.rootDirectory = root;
    }

    private Path root() {
        if (root == null) {
            root = rootDirectory.get();
            try {
                // JUnit's temporary directory is private to root; the postgres user must be able to traverse it
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    public PostgresController node(String machineId) {
        return node(machineId, Map.of());
    }

    /** A node whose server gets {@code settings} before pgmanager's own, as a sidecar's sized memory and parameters. */
    public PostgresController node(String machineId, Map<String, String> settings) {
        return node(machineId, settings, BINARIES);
    }

    /** A node whose server runs the programs of {@code binaries}. */
    PostgresController node(String machineId, Map<String, String> settings, PgBinaries binaries) {
        return node(machineId, settings, binaries, freePort(), WalSegmentSize.DEFAULT);
    }

    /** A node that makes a cluster of {@code segments} if it makes one ({@link PostgresController#initdb()}). */
    PostgresController node(String machineId, WalSegmentSize segments) {
        return node(machineId, Map.of(), BINARIES, freePort(), segments);
    }

    /** A node whose server listens on {@code port}, which another may hold already. */
    PostgresController nodeOnPort(String machineId, int port) {
        return node(machineId, Map.of(), BINARIES, port, WalSegmentSize.DEFAULT);
    }

    private PostgresController node(String machineId, Map<String, String> settings, PgBinaries binaries, int port,
            WalSegmentSize segments) {
        Path home = root().resolve(machineId);
        PostgresConfig config = new PostgresConfig(home.resolve("data"), home.resolve("state"), home.resolve("sock"),
                List.of("127.0.0.1"), port, PostgresConfig.LOOPBACK, SUPERUSER, REPLICATION, MachineId.of(machineId),
                Duration.ofSeconds(30), Duration.ofSeconds(60), settings, Map.of(), Optional.empty(), segments);
        PostgresController controller = new PostgresController(binaries, config, OS_USER);
        started.add(controller);
        return controller;
    }

    static Upstream upstream(PostgresController server) {
        return Upstream.of("127.0.0.1", server.config().port(), REPLICATION);
    }

    public static void execute(PostgresController server, String sql) throws SQLException {
        try (Connection connection = server.connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    public static String queryString(PostgresController server, String sql) throws SQLException {
        try (Connection connection = server.connect(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getString(1) : null;
        }
    }

    static void await(String what, Callable<Boolean> condition) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        Exception last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (condition.call()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what, last);
    }

    @Override
    public void close() {
        for (PostgresController controller : started) {
            OptionalLong pid = controller.pid();
            if (pid.isPresent()) {
                controller.stop(StopMode.IMMEDIATE);
                assertFalse(Postmaster.isLivePostgres(pid.getAsLong()), "postmaster " + pid.getAsLong() + " still alive");
            } else if (Files.exists(controller.config().dataDirectory().resolve("postmaster.pid"))) {
                releaseSharedMemoryOfKilled(controller);
            }
        }
    }

    /**
     * A server the test killed (a fenced, frozen primary; a kill -9) left its shared memory on the machine (System V and
     * /dev/shm), which only a server started on the same data directory removes: the test's directory goes next, so
     * start it once and stop it at once, as PostgreSQL's own way to release it. Best effort: a data directory the test
     * left unable to start keeps it.
     */
    private static void releaseSharedMemoryOfKilled(PostgresController controller) {
        try {
            controller.start();
        } catch (RuntimeException cannotStart) {
            // left as it was
        } finally {
            OptionalLong pid = controller.pid();
            if (pid.isPresent()) controller.stop(StopMode.IMMEDIATE);
        }
    }

    private static int freePort() {
        try {
            return FreePorts.on(InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
