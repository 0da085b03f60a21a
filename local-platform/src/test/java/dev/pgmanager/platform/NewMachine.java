package dev.pgmanager.platform;

import dev.pgmanager.net.FreePorts;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.config.StoreSecret;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A fresh machine of a new app, for tests: a directory of its own, the environment its {@code pgmanager} commands and
 * its sidecar see (as on Fly.io, settings and secrets come from the environment, the superuser password through a
 * {@code _FILE}), free ports on the loopback address, and the processes started there, all stopped on close; then
 * its directory is deleted (the sidecar's log is kept under target/).
 */
final class NewMachine implements AutoCloseable {
    private static final String ADDRESS = "127.0.0.1";
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(60);
    private static final Duration COMMAND_LIMIT = Duration.ofMinutes(5);

    private final Path dir;
    private final String superuserPassword;
    private final Map<String, String> environment = new HashMap<>();
    private final String machineId;
    private final int pgPort;
    private Optional<ProcessHandle> sidecar = Optional.empty();

    private NewMachine(Path dir, String superuserPassword, String replicationPassword) throws IOException {
        this.dir = dir;
        this.superuserPassword = superuserPassword;
        Path secret = dir.resolve("su_password");
        Files.writeString(secret, superuserPassword + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        environment.put("SU_PASSWORD_FILE", secret.toString());
        environment.put("REPL_PASSWORD", replicationPassword);
        byte[] id = new byte[7];
        new SecureRandom().nextBytes(id);
        this.machineId = HexFormat.of().formatHex(id);
        this.pgPort = freePort();
    }

    /** A machine that holds the passwords of the cluster whose data it will run (a fork keeps the source's roles). */
    static NewMachine withPasswordsOf(LocalClusterFile cluster) throws IOException {
        // Under /tmp and traversable: PostgreSQL runs as the postgres user when the tests run as root.
        Path dir = Files.createTempDirectory("pgmanager-machine-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            return new NewMachine(dir, cluster.superuserPassword(), cluster.replicationPassword());
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    String machineId() {
        return machineId;
    }

    /** Adds variables to this machine's environment, as a secret set on its app would (a bucket, say). */
    void putEnvironment(Map<String, String> more) {
        environment.putAll(more);
    }

    /** The data directory its sidecar runs on (missing until something copies data there). */
    Path data() {
        return dir.resolve("data");
    }

    Path dir() {
        return dir;
    }

    /** One run of {@code pgmanager args} in a process of its own, with this machine's environment. */
    CommandRun pgmanager(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        ProcessBuilder builder = new ProcessBuilder(LocalProcesses.javaCommand(List.of(args)))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            if (!process.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("pgmanager " + String.join(" ", args) + " did not end within " + COMMAND_LIMIT);
            }
            return new CommandRun(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            process.destroyForcibly();
            process.waitFor();
            Files.delete(out);
            Files.delete(err);
        }
    }

    /**
     * Starts this machine's sidecar as the member of {@code app} on {@link #data()}, configured by its environment
     * alone: the store at {@code store}, the DNS server at {@code dns}, free loopback ports.
     */
    void startSidecar(String app, String store, String dns) throws IOException {
        startSidecar(app, store, dns, Map.of());
    }

    /** As {@link #startSidecar(String, String, String)}, with more of the sidecar's variables (backups, a restore). */
    void startSidecar(String app, String store, String dns, Map<String, String> more) throws IOException {
        Map<String, String> settings = new HashMap<>(environment);
        settings.putAll(more);
        settings.putAll(Map.of(
                "PGMANAGER_MACHINE_ID", machineId,
                "PGMANAGER_APP", app,
                "PGMANAGER_ADDRESS", ADDRESS,
                "PGMANAGER_STORE", store,
                "PGMANAGER_DNS_SERVERS", dns,
                "PGMANAGER_DATA_DIR", data().toString(),
                "PGMANAGER_PG_LISTEN", ADDRESS,
                "PGMANAGER_PG_PORT", Integer.toString(pgPort),
                "PGMANAGER_PG_SOCKET_DIR", dir.resolve("sockets").toString()));
        settings.putAll(Map.of(
                "PGMANAGER_API_LISTEN", ADDRESS + ":" + freePort(),
                "PGMANAGER_METRICS_LISTEN", ADDRESS + ":" + freePort(),
                "PGMANAGER_BACKUP_SERVER_PORT", Integer.toString(freePort()),
                // The machine-wide rewriter is another test's subject; this machine needs none.
                "PGMANAGER_REWRITER_ENABLED", "false"));
        long pid = LocalProcesses.start(List.of("run"), settings, log(), dir.resolve("sidecar.pid"), Optional.empty());
        sidecar = ProcessHandle.of(pid);
    }

    /** The sidecar's log so far. */
    String sidecarLog() throws IOException {
        return Files.exists(log()) ? Files.readString(log()) : "";
    }

    /** Fails at once when the sidecar has exited: nothing it was to do will happen then. */
    void requireSidecarRunning() {
        if (sidecar.map(ProcessHandle::isAlive).orElse(false)) return;
        throw new AssertionError("the sidecar of " + machineId + " is not running; see " + log());
    }

    /** A direct connection to this machine's PostgreSQL, as the superuser. */
    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", superuserPassword);
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "3");
        return DriverManager.getConnection("jdbc:postgresql://" + ADDRESS + ":" + pgPort + "/postgres", p);
    }

    /** A client of {@code app}'s records in the store at {@code store}, with the secret its members derive; closed by the caller. */
    ZooKeeperClusterStore store(String store, String app) {
        return ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(store, app)
                .withSecret(StoreSecret.derive(app, superuserPassword))
                .withStartupWait(Duration.ofSeconds(10)));
    }

    @Override
    public void close() throws IOException {
        try {
            sidecar.ifPresent(process -> LocalProcesses.stop(process, STOP_PATIENCE));
            // A sidecar that had to be killed leaves its server running: stop that too, found by its own pid file.
            postmaster().ifPresent(process -> LocalProcesses.stop(process, STOP_PATIENCE));
            if (Files.exists(log())) {
                Path kept = Path.of("target", "local-cluster-logs", dir.getFileName().toString(), "sidecar.log");
                Files.createDirectories(kept.getParent());
                Files.copy(log(), kept, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private Path log() {
        return dir.resolve("sidecar.log");
    }

    private Optional<ProcessHandle> postmaster() {
        Path pidFile = data().resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) return Optional.empty();
            long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
            return ProcessHandle.of(pid).filter(p -> LocalProcesses.commandLine(pid).contains(data().toString()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int freePort() throws IOException {
        return FreePorts.on(InetAddress.getByName(ADDRESS));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
    }
}
