package dev.pgmanager.platform;


import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.config.StoreConfig.StoreMode;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.LocalStatus.MemberStatus;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/** A real local cluster for tests, in a directory of its own, torn down with its processes and data. */
final class LocalClusterHarness implements AutoCloseable {
    /**
     * The store session (the lease's length) of the tests' clusters, from which they derive their bounds. Longer than the
     * sidecars' default (1.6 s), which a member loses when it or the store waits about a second for the CPU: on a 2-core
     * machine running two clusters of three members and the tests' JVMs, every process stalls for 1 to 3 s now and then
     * (a process sleeping 10 ms in a loop beside the suite measured it), and each such stall failed a cluster over in the
     * middle of what a test checked (README, "Tests": the VM's host backing fresh memory as a JVM starts). The benchmarks
     * keep the default and measure with it.
     */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);
    /** The sidecars' default pass interval. */
    static final Duration LOOP_WAIT = Duration.ofSeconds(1);

    final LocalCluster cluster;
    final LocalClusterFile file;

    private LocalClusterHarness(LocalCluster cluster) {
        this.cluster = cluster;
        this.file = cluster.file().orElseThrow();
    }

    static LocalClusterHarness up(int nodes) throws IOException {
        return up(nodes, StoreMode.EXTERNAL, LocalHaSettings.DEFAULTS);
    }

    /** A cluster whose members get {@code ha} (synchronous replication, failsafe mode, nosync tags). */
    static LocalClusterHarness up(int nodes, LocalHaSettings ha) throws IOException {
        return up(nodes, StoreMode.EXTERNAL, ha);
    }

    /** A cluster whose store the platform runs (external), or the members themselves (ensemble). */
    static LocalClusterHarness up(int nodes, StoreMode storeMode) throws IOException {
        return up(nodes, storeMode, LocalHaSettings.DEFAULTS);
    }

    private static LocalClusterHarness up(int nodes, StoreMode storeMode, LocalHaSettings ha) throws IOException {
        // Under /tmp and traversable: PostgreSQL runs as the postgres user when the tests run as root.
        Path dir = Files.createTempDirectory("pgmanager-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return upIn(dir, nodes, storeMode, ha);
    }

    /** A cluster without backups whose store sessions last {@code sessionTimeout}. */
    static LocalClusterHarness upWithSessionTimeout(int nodes, Duration sessionTimeout) throws IOException {
        Path dir = Files.createTempDirectory("pgmanager-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return upIn(dir, nodes, NewClusterSettings.DEFAULTS.withoutBackups().withSessionTimeout(Optional.of(sessionTimeout)));
    }

    /** A cluster of {@code nodes} in {@code dir}, an empty directory the postgres user can traverse. */
    static LocalClusterHarness upIn(Path dir, int nodes) throws IOException {
        return upIn(dir, nodes, StoreMode.EXTERNAL, LocalHaSettings.DEFAULTS);
    }

    private static LocalClusterHarness upIn(Path dir, int nodes, StoreMode storeMode, LocalHaSettings ha) throws IOException {
        // Backups only where a test asks for them (upWithBackups): the others need no S3 server and no pgBackRest.
        return upIn(dir, nodes, NewClusterSettings.DEFAULTS.withStoreMode(storeMode).withHa(ha).withoutBackups());
    }

    private static LocalClusterHarness upIn(Path dir, int nodes, NewClusterSettings settings) throws IOException {
        LocalCluster cluster = LocalCluster.at(dir);
        try {
            cluster.up(nodes, settings.withSessionTimeout(settings.sessionTimeout().or(() -> Optional.of(SESSION_TIMEOUT))),
                    Duration.ofSeconds(180), System.err);
            return new LocalClusterHarness(cluster);
        } catch (IOException | RuntimeException e) {
            cluster.down(false);
            keepLogs(cluster);
            cluster.down(true);
            throw e;
        }
    }

    /** A cluster that archives WAL and takes backups to the platform's S3 server, with these {@code backup.*} settings. */
    static LocalClusterHarness upWithBackups(int nodes, Map<String, String> backupSettings) throws IOException {
        Path dir = Files.createTempDirectory("pgmanager-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return upIn(dir, nodes, NewClusterSettings.DEFAULTS.withBackups(backupSettings));
    }

    /** A cluster something else created in {@code dir} (a fork), torn down with this harness like one of its own. */
    static LocalClusterHarness adopt(Path dir) {
        return new LocalClusterHarness(LocalCluster.at(dir));
    }

    LocalStatus status() {
        return cluster.status();
    }

    String leader() {
        return Optional.ofNullable(status().leader()).orElseThrow(() -> new AssertionError("no leader: " + status().summary()));
    }

    MemberStatus member(String machineId) {
        return status().members().stream().filter(m -> m.machineId().equals(machineId)).findFirst().orElseThrow();
    }

    List<String> machineIds() {
        return file.members().stream().map(LocalMember::machineId).toList();
    }

    List<String> hostPorts() {
        return file.members().stream().map(m -> new HostPort(m.address(), m.pgPort()).toString()).toList();
    }

    /** Waits until one primary and every other member a streaming replica of it. */
    LocalStatus awaitHealthy(Duration limit) {
        Await.until(limit, "one primary and streaming replicas", () -> status().isHealthy());
        return status();
    }

    /** The cluster file as it is now: a migration changes a member's address. */
    LocalClusterFile currentFile() {
        return cluster.file().orElseThrow();
    }

    /** A direct connection to one member at its current address (no failover), as the superuser. */
    Connection connect(String machineId) throws SQLException {
        LocalMember m = currentFile().member(machineId).orElseThrow();
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", file.superuserPassword());
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "3");
        return DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres"), p);
    }

    /** A connection through member {@code machineId}'s primary router (to whichever member leads), as the superuser. */
    Connection connectThroughRouter(String machineId) throws SQLException, IOException {
        HostPort router = cluster.routerOf(machineId).orElseThrow(() -> new AssertionError(machineId + " runs no router"));
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", file.superuserPassword());
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "3");
        return DriverManager.getConnection(router.jdbcUrl("postgres"), p);
    }

    /** A writer inserting a sequence every {@code interval} through a multi-host URL of the members' current addresses. */
    SequenceWriter writer(String table, Duration interval) throws SQLException {
        List<String> hostPorts = currentFile().members().stream().map(m -> new HostPort(m.address(), m.pgPort()).toString()).toList();
        return new SequenceWriter(SequenceWriter.primaryUrl(hostPorts, "postgres"), "postgres", file.superuserPassword(),
                table, interval);
    }

    static void awaitWrites(SequenceWriter writer, int count) {
        Await.until(Duration.ofSeconds(30), count + " acknowledged writes (last error: " + writer.lastError() + ")",
                () -> writer.acknowledgedCount() >= count);
    }

    /**
     * Whether the member's WAL receiver streams now. A member that cannot be asked is not "not streaming": that throws
     * (wait for a member that may be restarting with {@link Await#untilAnswered}).
     */
    boolean receiverStreaming(String machineId) {
        try (Connection c = connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT status FROM pg_stat_wal_receiver")) {
            return r.next() && "streaming".equals(r.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask " + machineId + " whether it streams: " + e.getMessage(), e);
        }
    }

    /** Sends {@code signal} ({@code -STOP}, {@code -CONT}) to a process: a frozen sidecar, for instance. */
    static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) throw new AssertionError("kill " + signal + " " + pid + " failed");
    }

    /** A store client of the test's own; the caller closes it. */
    ZooKeeperClusterStore store() {
        LocalClusterFile current = currentFile();
        return ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(current.storeConnectString(), current.app())
                .withSecret(current.storeSecret())
                .withStartupWait(Duration.ofSeconds(10)));
    }

    /** A plain ZooKeeper client authenticated as the cluster's members are, for writing what they never would; the caller closes it. */
    CuratorFramework rawStoreClient() throws InterruptedException {
        LocalClusterFile current = currentFile();
        CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(current.storeConnectString())
                .retryPolicy(new RetryOneTime(500))
                .authorization("digest", ("pgmanager:" + current.storeSecret()).getBytes(StandardCharsets.UTF_8)).build();
        zk.start();
        if (!zk.blockUntilConnected(10, TimeUnit.SECONDS)) {
            zk.close();
            throw new AssertionError("no connection to the store at " + current.storeConnectString());
        }
        return zk;
    }

    /** POSTs {@code body} to the member's API with {@code token} as bearer token (none when null); returns the status. */
    int postToApi(String machineId, String path, String body, String token) throws IOException, InterruptedException {
        LocalMember m = currentFile().member(machineId).orElseThrow();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + new HostPort(m.address(), m.apiPort()) + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                // restart, reinit and rejoin answer once the member has done them
                .timeout(Duration.ofSeconds(120));
        if (token != null) request.header("Authorization", "Bearer " + token);
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        }
    }

    /** The member's Prometheus exposition, from the metrics address in its configuration. */
    String metricsText(String machineId) throws IOException, InterruptedException {
        String config = Files.readString(memberDir(machineId).resolve("pgmanager.yml"));
        Matcher listen = Pattern.compile("metrics:\\n  listen: \"([^\"]+)\"").matcher(config);
        if (!listen.find()) throw new AssertionError("no metrics.listen in " + config);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + listen.group(1) + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) throw new AssertionError("GET /metrics: " + response.statusCode());
            return response.body();
        }
    }

    /** The member's metrics, parsed as Prometheus parses a scrape; unchecked, for use in conditions. */
    PrometheusText metrics(String machineId) {
        try {
            return PrometheusText.parse(metricsText(machineId));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot scrape " + machineId + "'s metrics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Each sidecar's last warnings and errors (fencing, a lost lease, a failed action), for a failure message: what the
     * cluster did while a step failed, which CI keeps only in the output.
     */
    String sidecarWarnings() {
        StringBuilder out = new StringBuilder();
        for (String machineId : machineIds()) {
            out.append("\n--- warnings of ").append(machineId).append("'s sidecar (last 8):");
            try (var lines = Files.lines(memberDir(machineId).resolve("sidecar.log"))) {
                List<String> warnings = lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
                warnings.subList(Math.max(0, warnings.size() - 8), warnings.size())
                        .forEach(l -> out.append("\n").append(l, 0, Math.min(l.length(), 400)));
            } catch (IOException | java.io.UncheckedIOException e) {
                out.append(" unreadable: ").append(e.getMessage());
            }
        }
        return out.toString();
    }

    /** The PID member {@code machineId}'s postmaster.pid names (-1 when there is none), whether or not it still runs. */
    long postmasterPid(String machineId) {
        try {
            return Long.parseLong(Files.readAllLines(memberDir(machineId).resolve("data").resolve("postmaster.pid")).getFirst().strip());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    Path memberDir(String machineId) {
        return cluster.dir().resolve("members").resolve(machineId);
    }

    @Override
    public void close() throws IOException {
        List<ServerSharedMemory> servers = cluster.file().stream().flatMap(f -> f.members().stream())
                .flatMap(m -> cluster.sharedMemory(m.machineId()).stream()).toList();
        cluster.down(false);
        keepLogs(cluster);
        cluster.down(true);
        requireNoSharedMemoryLeft(servers);
    }

    /** The servers' shared memory went with them, however they stopped: nothing of a test stays on the machine. */
    private static void requireNoSharedMemoryLeft(List<ServerSharedMemory> servers) {
        for (ServerSharedMemory server : servers) {
            if (!server.stillOnMachine().isEmpty()) {
                throw new AssertionError("a stopped member's server left on the machine: " + server.stillOnMachine());
            }
        }
    }

    /** The members' and the platform's logs outlive the cluster, under target/, for whoever reads a failure. */
    private static void keepLogs(LocalCluster cluster) throws IOException {
        Path kept = Path.of("target", "local-cluster-logs", cluster.dir().getFileName().toString());
        try (var files = Files.walk(cluster.dir())) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                Path target = kept.resolve(cluster.dir().relativize(log));
                Files.createDirectories(target.getParent());
                Files.copy(log, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
