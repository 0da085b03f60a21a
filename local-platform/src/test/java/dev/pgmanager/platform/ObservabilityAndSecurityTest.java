package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.api.HttpServerLimits;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.Main;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A real two-member cluster, scraped and probed as an operator and an attacker would: the metrics tell the truth, the
 * logs name member and epoch, every role has a SCRAM verifier, pg_hba.conf trusts nobody, and the secrets are in no
 * process's argv, no log and no znode, whose ACL keeps other tenants of the ensemble out.
 */
class ObservabilityAndSecurityTest {
    private static LocalClusterHarness harness;
    private static String leader;
    private static String replica;

    @BeforeAll
    static void bootstrap() throws Exception {
        harness = LocalClusterHarness.up(2);
        harness.awaitHealthy(Duration.ofSeconds(90));
        leader = harness.leader();
        replica = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE observed AS SELECT g AS n FROM generate_series(1, 10000) g");
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness != null) harness.close();
    }

    @Test
    void theMetricsOfLeaderAndReplicaTellTheTruth() throws Exception {
        long epoch;
        try (ZooKeeperClusterStore store = harness.store()) {
            epoch = store.read().leader().map(Leader::epoch).orElseThrow();
        }
        // The replica replays the new table, and the leader's view of its lag falls to nothing.
        Await.until(Duration.ofSeconds(30), "the leader reports no lag of " + replica,
                () -> harness.metrics(leader).find("pgmanager_replication_lag_bytes", "machine_id", replica).orElse(-1.0) == 0);

        PrometheusText onLeader = harness.metrics(leader);
        assertEquals(1, onLeader.value("pgmanager_role", "role", "primary"));
        assertEquals(0, onLeader.value("pgmanager_role", "role", "replica"));
        assertEquals(0, onLeader.value("pgmanager_role", "role", "stopped"));
        assertEquals(1, onLeader.value("pgmanager_lease_held"));
        assertEquals(epoch, onLeader.value("pgmanager_leader_epoch"));
        assertEquals(harness.member(leader).timeline(), onLeader.value("pgmanager_timeline"));
        assertEquals(List.of(replica), onLeader.series("pgmanager_replication_lag_bytes").stream()
                .map(s -> s.labels().get("machine_id")).toList(), "one lag series per replica, labelled by machine ID");
        assertEquals("gauge", onLeader.typeOf("pgmanager_replication_lag_bytes"));
        assertEquals(List.of(replica), onLeader.series("pgmanager_replication_lag_seconds").stream()
                .map(s -> s.labels().get("machine_id")).toList());
        double lagSeconds = onLeader.value("pgmanager_replication_lag_seconds", "machine_id", replica);
        assertTrue(lagSeconds >= 0 && lagSeconds < 30, "lag " + lagSeconds + " s");
        assertEquals(0, onLeader.value("pgmanager_failovers_total"));
        assertEquals(0, onLeader.value("pgmanager_switchovers_total"));
        assertEquals(0, onLeader.value("pgmanager_migrations_detected_total"));

        PrometheusText onReplica = harness.metrics(replica);
        assertEquals(1, onReplica.value("pgmanager_role", "role", "replica"));
        assertEquals(0, onReplica.value("pgmanager_role", "role", "primary"));
        assertEquals(0, onReplica.value("pgmanager_lease_held"));
        assertEquals(epoch, onReplica.value("pgmanager_leader_epoch"));
        assertEquals(List.of(), onReplica.series("pgmanager_replication_lag_bytes"), "only the leader reports lag");
        double replayed = onReplica.value("pgmanager_wal_position_bytes", "position", "replayed");
        // Metrics are the last pass's observation, so the leader's figure is compared only once a whole leader pass
        // has started after the replica was scraped: two more completed passes guarantee one.
        double passes = harness.metrics(leader).value("pgmanager_control_loop_duration_seconds_count");
        Await.until(Duration.ofSeconds(30), "two more passes on the leader",
                () -> harness.metrics(leader).value("pgmanager_control_loop_duration_seconds_count") >= passes + 2);
        double leaderNow = harness.metrics(leader).value("pgmanager_wal_position_bytes", "position", "replayed");
        assertTrue(replayed > 0 && replayed <= leaderNow, "replica replayed " + replayed + ", leader at " + leaderNow);
        assertTrue(onReplica.value("pgmanager_dns_lookups_total") >= 1, "the replica looked its leader up");
        // Every member's name is in the local DNS server before any member starts, and no member moved.
        assertEquals(0, onReplica.value("pgmanager_dns_lookup_failures_total"), "no lookup of a registered name failed");
        assertEquals(0, onReplica.value("pgmanager_address_changes_total"), "no member moved, so no address changed");

        for (PrometheusText member : List.of(onLeader, onReplica)) {
            assertTrue(member.value("pgmanager_control_loop_duration_seconds_count") >= 1);
            assertEquals(member.value("pgmanager_control_loop_duration_seconds_count"),
                    member.value("pgmanager_control_loop_duration_seconds_bucket", "le", "+Inf"));
            double lastSuccess = member.value("pgmanager_control_loop_last_success_timestamp_seconds");
            assertTrue(Math.abs(System.currentTimeMillis() / 1e3 - lastSuccess) < 30, "last success at " + lastSuccess);
            assertEquals("counter", member.typeOf("pgmanager_failovers_total"));
            assertEquals("counter", member.typeOf("pgmanager_dns_lookups_total"));
            assertEquals("histogram", member.typeOf("pgmanager_control_loop_duration_seconds"));
            assertEquals("gauge", member.typeOf("pgmanager_role"));
            // pgmanager's own families, and PostgreSQL's under postgres_exporter's names: nothing else (no JVM metrics)
            assertTrue(member.families.keySet().stream().allMatch(name -> name.startsWith("pgmanager_") || name.startsWith("pg_")),
                    member.families.keySet().toString());
        }
    }

    /**
     * PostgreSQL's own metrics, under the names postgres_exporter gives them, describe each member's server as SQL
     * does: sizes, settings, activity and locks, the leader's WAL sender and slot for the replica, the replica's WAL
     * receiver. And no secret is in them.
     */
    @Test
    void theMetricsOfPostgresqlItselfTellTheTruthUnderPostgresExportersNames() throws Exception {
        // The replica has replayed all the leader wrote: its WAL sender on the leader is 0 bytes behind.
        Await.until(Duration.ofSeconds(30), "the leader's WAL sender to " + replica + " is 0 bytes behind",
                () -> harness.metrics(leader).series("pg_stat_replication_pg_wal_lsn_diff").stream()
                        .anyMatch(s -> replica.equals(s.labels().get("application_name")) && s.value() == 0));
        PrometheusText onLeader = harness.metrics(leader);
        assertEquals(1, onLeader.value("pg_up"));
        assertEquals("gauge", onLeader.typeOf("pg_up"));
        assertEquals(0, onLeader.value("pg_replication_is_replica"));
        PrometheusText.Sample sender = onLeader.one("pg_stat_replication_pg_wal_lsn_diff", "application_name", replica);
        assertEquals("streaming", sender.labels().get("state"));
        assertEquals(replica, sender.labels().get("slot_name"), "the replica streams through the slot named after it");
        double replayLag = onLeader.one("pg_stat_replication_replay_lag_seconds", "application_name", replica).value();
        assertTrue(replayLag >= 0 && replayLag < 30, "replay lag " + replayLag + " s");
        assertEquals(1, onLeader.value("pg_replication_slots_active", "slot_name", replica, "database", ""));
        double slotBehind = onLeader.value("pg_replication_slots_pg_wal_lsn_diff", "slot_name", replica, "database", "");
        assertTrue(slotBehind >= 0, "the slot holds WAL from " + slotBehind + " bytes back");
        assertTrue(onLeader.value("pg_database_size_bytes", "datname", "postgres") > 0);
        try (Connection c = harness.connect(leader); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT current_setting('max_connections'), setting::bigint * 8192 FROM pg_settings "
                        + "WHERE name = 'shared_buffers'")) {
            assertTrue(r.next());
            assertEquals(Double.parseDouble(r.getString(1)), onLeader.value("pg_settings_max_connections"));
            assertEquals(r.getLong(2), onLeader.value("pg_settings_shared_buffers_bytes"), "shared_buffers in bytes, not 8 kB blocks");
        }
        // postgres_exporter's counters without _total are written untyped (a counter would be renamed with _total)
        assertEquals("untyped", onLeader.typeOf("pg_stat_database_xact_commit"));
        assertEquals("counter", onLeader.typeOf("pg_stat_bgwriter_checkpoints_req_total"));

        double commits = onLeader.one("pg_stat_database_xact_commit", "datname", "postgres").value();
        double inserted = onLeader.one("pg_stat_database_tup_inserted", "datname", "postgres").value();
        double requestedCheckpoints = onLeader.value("pg_stat_bgwriter_checkpoints_req_total");
        // A backend reports its statistics at the latest when it exits.
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS locked_for_metrics (n int)");
            s.execute("INSERT INTO observed SELECT g FROM generate_series(1, 5) g");
            s.execute("CHECKPOINT");
        }
        // A transaction left open, holding a lock: its connection is idle in transaction, for longer and longer.
        try (Connection held = harness.connect(leader); Statement s = held.createStatement()) {
            held.setAutoCommit(false);
            s.execute("LOCK TABLE locked_for_metrics IN SHARE ROW EXCLUSIVE MODE");
            Await.until(Duration.ofSeconds(20), "the open transaction, its lock and the writes in the leader's metrics", () -> {
                PrometheusText now = harness.metrics(leader);
                return now.value("pg_stat_activity_count", "datname", "postgres", "state", "idle in transaction") >= 1
                        && now.value("pg_stat_activity_max_tx_duration", "datname", "postgres", "state", "idle in transaction") >= 1
                        && now.value("pg_locks_count", "datname", "postgres", "mode", "sharerowexclusivelock") >= 1
                        && now.one("pg_stat_database_xact_commit", "datname", "postgres").value() > commits
                        && now.one("pg_stat_database_tup_inserted", "datname", "postgres").value() >= inserted + 5
                        && now.value("pg_stat_bgwriter_checkpoints_req_total") > requestedCheckpoints;
            });
            held.rollback();
        }

        PrometheusText onReplica = harness.metrics(replica);
        assertEquals(1, onReplica.value("pg_up"));
        assertEquals(1, onReplica.value("pg_replication_is_replica"));
        double lag = onReplica.value("pg_replication_lag_seconds");
        assertTrue(lag >= 0 && lag < 30, "the replica is " + lag + " s behind");
        PrometheusText.Sample receiver = onReplica.one("pg_stat_wal_receiver_received_tli", "status", "streaming");
        assertEquals(replica, receiver.labels().get("slot_name"));
        assertFalse(receiver.labels().get("upstream_host").isEmpty());
        assertEquals(harness.member(leader).timeline(), receiver.value());
        assertEquals(List.of(), onReplica.series("pg_stat_replication_pg_wal_lsn_diff"), "the replica sends WAL to nobody");
        assertEquals(onLeader.value("pg_settings_max_connections"), onReplica.value("pg_settings_max_connections"));

        LocalClusterFile file = harness.currentFile();
        Map<String, String> secrets = Map.of("superuser password", file.superuserPassword(),
                "replication password", file.replicationPassword(), "API token", file.apiToken(), "store secret", file.storeSecret());
        for (String member : harness.machineIds()) {
            assertNoSecret(secrets, harness.metricsText(member).getBytes(StandardCharsets.UTF_8), member + "'s metrics");
        }
    }

    /**
     * The Grafana dashboard (dashboards/pgmanager.json) asks only for metrics a live cluster exports: every name in
     * every query of its panels, annotations and variables is in the leader's scrape or the replica's (some are on one
     * role only: the leader reports lag per replica, a replica its own replay delay).
     */
    @Test
    void everyMetricTheDashboardQueriesIsExportedByALiveMember() {
        SortedMap<String, List<String>> referenced = DashboardQueries.load(DashboardQueries.DASHBOARD).metricNames();
        assertTrue(referenced.size() >= 15, "the dashboard queries only " + referenced.keySet());
        Await.until(Duration.ofSeconds(30), "both servers answer the scrape and the leader times " + replica + "'s lag", () ->
                harness.metrics(leader).find("pg_up").orElse(0.0) == 1 && harness.metrics(replica).find("pg_up").orElse(0.0) == 1
                        && harness.metrics(leader).find("pgmanager_replication_lag_seconds", "machine_id", replica).isPresent());
        PrometheusText onLeader = harness.metrics(leader);
        PrometheusText onReplica = harness.metrics(replica);
        Map<String, List<String>> missing = new TreeMap<>(referenced);
        missing.keySet().removeIf(name -> onLeader.exports(name) || onReplica.exports(name) || isBackupMetric(name));
        assertEquals(Map.of(), missing, "metrics the dashboard queries (where) that neither member exports");
        assertTrue(referenced.keySet().stream().anyMatch(name -> onLeader.exports(name) && !onReplica.exports(name)),
                "the leader-only lag series are among those checked");
    }

    /** Exported only by the leader of a cluster with backups: BackupAndRestoreTest checks the dashboard's. */
    static boolean isBackupMetric(String name) {
        return name.startsWith("pgmanager_archive_") || name.startsWith("pgmanager_backup_");
    }

    @Test
    void logLinesNameTheMemberAndTheEpoch() throws IOException {
        long epoch = (long) harness.metrics(leader).value("pgmanager_leader_epoch");
        List<String> lines = Files.readAllLines(harness.memberDir(leader).resolve("sidecar.log"), StandardCharsets.UTF_8);
        assertTrue(lines.stream().anyMatch(line -> line.contains("[" + leader + " epoch " + epoch + "]: ")), String.join("\n", lines));
        // Logs carry addresses and failed statements: their owner alone reads them.
        List<Path> logs;
        try (Stream<Path> files = Files.walk(harness.memberDir(leader))) {
            logs = files.filter(f -> f.getFileName().toString().endsWith(".log")).toList();
        }
        assertEquals(List.of("postgresql.log", "sidecar.log"), logs.stream().map(f -> f.getFileName().toString()).sorted().toList());
        for (Path log : logs) assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)), log.toString());
    }

    @Test
    void everyRoleHasAScramVerifierAndPgHbaTrustsNobody() throws SQLException {
        for (String member : harness.machineIds()) {
            try (Connection c = harness.connect(member); Statement s = c.createStatement()) {
                List<String> roles = new ArrayList<>();
                try (ResultSet r = s.executeQuery("SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin")) {
                    while (r.next()) {
                        String verifier = r.getString(2);
                        assertTrue(verifier != null && verifier.startsWith("SCRAM-SHA-256$"), r.getString(1) + " on " + member);
                        roles.add(r.getString(1));
                    }
                }
                assertTrue(roles.containsAll(List.of("postgres", "repluser")), roles.toString());
                try (ResultSet r = s.executeQuery("SELECT type, auth_method, address, error, user_name FROM pg_hba_file_rules")) {
                    while (r.next()) {
                        assertEquals(null, r.getString(4), "pg_hba.conf line error on " + member);
                        String method = r.getString(2);
                        if (r.getString(1).equals("local")) assertEquals("peer", method, "the socket admits by peer identity");
                        else if (method.equals("reject")) assertEquals("{repluser}", r.getString(5), "only the replication role is rejected");
                        else assertEquals("scram-sha-256", method, "host " + r.getString(3) + " on " + member);
                    }
                }
            }
        }
        SQLException refused = assertThrows(SQLException.class, () -> {
            var props = new java.util.Properties();
            props.setProperty("user", "postgres");
            props.setProperty("password", "not-the-password");
            LocalClusterFile.LocalMember m = harness.currentFile().member(leader).orElseThrow();
            java.sql.DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres"), props).close();
        });
        assertEquals("28P01", refused.getSQLState(), "a wrong password is refused: " + refused.getMessage());
        // The replication role, with its right password, streams WAL (the replica does) and opens no database.
        SQLException replicator = assertThrows(SQLException.class, () -> {
            var props = new java.util.Properties();
            props.setProperty("user", "repluser");
            props.setProperty("password", harness.currentFile().replicationPassword());
            LocalClusterFile.LocalMember m = harness.currentFile().member(leader).orElseThrow();
            java.sql.DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres"), props).close();
        });
        assertEquals("28000", replicator.getSQLState(), "pg_hba.conf rejects it: " + replicator.getMessage());
        assertTrue(harness.receiverStreaming(replica), "the replica still streams as the replication role");
    }

    /** {@code pgmanager top} shows each member's role, lag, sessions and transaction rate, refresh after refresh. */
    @Test
    void topShowsEveryMembersRoleLagSessionsAndTransactionRate() throws Exception {
        String dir = harness.cluster.dir().toString();
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS topped (n int)");
            // Transactions on the leader between the two refreshes: its rate must show them.
            Thread writes = Thread.ofVirtual().start(() -> {
                try (Connection w = harness.connect(leader); Statement ws = w.createStatement()) {
                    for (int i = 0; i < 200 && !Thread.currentThread().isInterrupted(); i++) {
                        ws.execute("INSERT INTO topped VALUES (" + i + ")");
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            CommandRun top = CommandRun.of("top", "--dir", dir, "--count", "2", "--interval", "1s");
            writes.interrupt();
            writes.join();
            assertEquals(0, top.exit(), top.err());
            String[] refreshes = top.out().split("\n\n");
            assertEquals(2, refreshes.length, top.out());
            for (String refresh : refreshes) assertTrue(refresh.startsWith("cluster ") && refresh.contains("leader " + leader), refresh);
            List<String> second = refreshes[1].lines().toList();
            String leaderRow = second.stream().filter(l -> l.contains(leader) && l.startsWith("*")).findFirst().orElseThrow(() ->
                    new AssertionError("no row for the leader: " + refreshes[1]));
            String replicaRow = second.stream().filter(l -> l.contains(replica)).findFirst().orElseThrow(() ->
                    new AssertionError("no row for " + replica + ": " + refreshes[1]));
            // LEADER MEMBER ROLE STATE... LAG_BYTES TPS SESSIONS ADDRESS; the state may hold spaces, so read from the right.
            List<String> leaderCells = List.of(leaderRow.trim().split("\\s+"));
            List<String> replicaCells = List.of(replicaRow.trim().split("\\s+"));
            assertTrue(leaderRow.contains("primary") && replicaRow.contains("replica"), refreshes[1]);
            assertTrue(Double.parseDouble(cellFromTheRight(leaderCells, 2)) > 0, "the leader's transactions per second: " + leaderRow);
            assertTrue(Double.parseDouble(cellFromTheRight(replicaCells, 2)) >= 0, replicaRow);
            assertTrue(Integer.parseInt(cellFromTheRight(leaderCells, 1)) >= 1, "the writer's session is counted: " + leaderRow);
            assertEquals(harness.currentFile().member(replica).orElseThrow().address(), cellFromTheRight(replicaCells, 0));
        }
        CommandRun bad = CommandRun.of("top", "--dir", dir, "--interval", "10ms");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--interval must be at least 100ms"), bad.err());
    }

    private static String cellFromTheRight(List<String> cells, int index) {
        return cells.get(cells.size() - 1 - index);
    }

    @Test
    void secretsAreInNoArgvNoLogAndNoZnode() throws Exception {
        LocalClusterFile file = harness.currentFile();
        Map<String, String> secrets = Map.of("superuser password", file.superuserPassword(),
                "replication password", file.replicationPassword(), "API token", file.apiToken(), "store secret", file.storeSecret());

        // Every process on the machine (the members' JVMs, postgres and its walreceiver, any running pg_basebackup).
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                byte[] argv;
                try {
                    argv = Files.readAllBytes(process.resolve("cmdline"));
                } catch (IOException gone) {
                    continue;
                }
                assertNoSecret(secrets, argv, "the argv of process " + process.getFileName());
            }
        }
        for (String member : harness.machineIds()) {
            assertNoSecret(secrets, Files.readAllBytes(harness.memberDir(member).resolve("sidecar.log")), member + "'s sidecar log");
        }
        // Nor in what the local platform prints, unless asked.
        String dir = harness.cluster.dir().toString();
        for (String format : List.of("table", "json")) {
            CommandRun status = CommandRun.of("local", "status", "--dir", dir, "-o", format);
            assertEquals(0, status.exit(), status.err());
            assertTrue(status.out().contains("postgresql://postgres:PASSWORD@"), status.out());
            assertNoSecret(secrets, status.out().getBytes(StandardCharsets.UTF_8), "local status -o " + format);
        }
        CommandRun shown = CommandRun.of("local", "status", "--dir", dir, "--show-password");
        assertTrue(shown.out().contains("postgresql://postgres:" + file.superuserPassword() + "@"), "asked for, it is shown");

        Map<String, byte[]> znodes = new HashMap<>();
        String root = "/pgmanager/" + file.app();
        try (CuratorFramework owner = client(file, "pgmanager:" + file.storeSecret())) {
            collect(owner, root, znodes);
        }
        assertTrue(znodes.size() >= 5, "the walk saw the cluster: " + znodes.keySet());
        znodes.forEach((path, data) -> assertNoSecret(secrets, data, "znode " + path));

        // Another tenant of the same ZooKeeper, without the cluster's secret, can neither read nor write.
        try (CuratorFramework stranger = client(file, null)) {
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getData().forPath(root + "/leader"));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getChildren().forPath(root + "/members"));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.setData().forPath(root + "/spec", new byte[] {'{', '}'}));
        }
    }

    @Test
    void operatorCommandsAuthenticateAndMutatingEndpointsWantTheToken() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        assertEquals(0, cli.execute("list", "--dir", harness.cluster.dir().toString()), out.toString());
        assertTrue(out.toString().contains(leader) && out.toString().contains(replica), out.toString());

        assertEquals(401, harness.postToApi(replica, "/pause", "{}", null), "no token");
        assertEquals(401, harness.postToApi(replica, "/pause", "{}", harness.file.apiToken() + "x"), "wrong token");
        assertEquals(401, harness.postToApi(replica, "/restart", "{}", harness.file.apiToken().substring(1)), "a prefix");
        // Each rejection is traced with who asked, but a burst of them makes one line, not one each.
        Path log = harness.memberDir(replica).resolve("sidecar.log");
        Await.until(Duration.ofSeconds(5), "the rejection in the replica's log", () -> {
            try {
                return Files.readString(log).contains("rejected POST");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<String> traced = Files.readAllLines(log).stream().filter(l -> l.contains("BearerAuth") && l.contains("rejected ")).toList();
        assertEquals(1, traced.size(), traced.toString());
        assertTrue(traced.getFirst().contains("rejected POST /pause from ") && traced.getFirst().endsWith(": no token"), traced.toString());
    }

    @Test
    void slowRequestsAreCutOffWhileOtherClientsStillGetAnswersAndTheSidecarStaysBounded() throws Exception {
        LocalClusterFile.LocalMember member = harness.currentFile().member(replica).orElseThrow();
        InetSocketAddress api = new InetSocketAddress(InetAddress.ofLiteral(member.address()), member.apiPort());
        // Another client: the health checks come from another address than the flood (the leader's, also on lo).
        InetAddress otherClient = InetAddress.ofLiteral(harness.currentFile().member(leader).orElseThrow().address());
        long sidecar = harness.member(replica).pid();
        // More requests than the server keeps connections, from one client, each a request it never finishes: a
        // header line every two seconds, no token needed to get this far.
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < HttpServerLimits.MAX_CONNECTIONS + 72; i++) {
                Socket socket = new Socket();
                try {
                    socket.connect(api, 1000);
                    socket.setSoTimeout(1);
                    socket.getOutputStream().write("POST /pause HTTP/1.1\r\nHost: api\r\n".getBytes(StandardCharsets.US_ASCII));
                    slow.add(socket);
                } catch (IOException notAccepted) {
                    socket.close();
                }
            }
            Thread.sleep(1000);
            for (Socket s : slow) trickle(s);
            long held = slow.stream().filter(s -> !s.isClosed()).count();
            assertTrue(held <= HttpServerLimits.MAX_CONNECTIONS_PER_CLIENT,
                    "the flooding client holds " + held + " connections, more than its share of " + HttpServerLimits.MAX_CONNECTIONS_PER_CLIENT);
            assertTrue(held > 0, "the flooding client's share is held until the header deadline");
            long peakRss = 0;
            int answeredDuringTheFlood = 0;
            Duration bound = Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS * 2L + 10);
            long deadline = System.nanoTime() + bound.toNanos();
            while (slow.stream().anyMatch(s -> !s.isClosed())) {
                assertTrue(System.nanoTime() < deadline, slow.stream().filter(s -> !s.isClosed()).count()
                        + " slow requests still open after " + bound.toSeconds() + " s");
                assertTrue(ProcessHandle.of(sidecar).map(ProcessHandle::isAlive).orElse(false), "the sidecar lives");
                peakRss = Math.max(peakRss, rssKib(sidecar));
                assertEquals(200, healthLive(api, otherClient), "another client's health check is answered during the flood");
                answeredDuringTheFlood++;
                for (Socket s : slow) trickle(s);
                Thread.sleep(2000);
            }
            assertTrue(answeredDuringTheFlood >= 2, answeredDuringTheFlood + " health checks during the flood");
            assertTrue(peakRss < 300 * 1024, "the sidecar's memory stayed bounded: " + peakRss / 1024 + " MB at most");
        } finally {
            for (Socket s : slow) s.close();
        }
        Await.until(Duration.ofSeconds(15), "the API answers the flooding client again", () -> healthLive(api, null) == 200);
    }

    /** One more header line, or closes the socket once the server has closed its end. */
    private static void trickle(Socket socket) {
        if (socket.isClosed()) return;
        try {
            if (socket.getInputStream().read() == -1) {
                socket.close();
                return;
            }
        } catch (SocketTimeoutException stillOpen) {
            // nothing from the server yet: the request is still being "sent"
        } catch (IOException reset) {
            closeQuietly(socket);
            return;
        }
        try {
            socket.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException reset) {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return 0;
    }

    /** The status of {@code /health/live}, asked from {@code from} (null: the system's choice of source address). */
    private static int healthLive(InetSocketAddress api, InetAddress from) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (from != null) builder.localAddress(from);
        try (HttpClient http = builder.build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + HostPort.of(api.getAddress(), api.getPort())
                    + "/health/live")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void assertNoSecret(Map<String, String> secrets, byte[] haystack, String where) {
        String text = new String(haystack, StandardCharsets.ISO_8859_1);
        secrets.forEach((what, secret) -> assertFalse(text.contains(new String(secret.getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1)), "the " + what + " is in " + where));
    }

    private static CuratorFramework client(LocalClusterFile file, String digest) throws InterruptedException {
        var builder = CuratorFrameworkFactory.builder().connectString(file.storeConnectString()).retryPolicy(new RetryOneTime(100));
        if (digest != null) builder.authorization("digest", digest.getBytes(StandardCharsets.UTF_8));
        CuratorFramework client = builder.build();
        client.start();
        client.blockUntilConnected();
        return client;
    }

    private static void collect(CuratorFramework client, String path, Map<String, byte[]> into) throws Exception {
        byte[] data = client.getData().forPath(path);
        into.put(path, data == null ? new byte[0] : data);
        for (String child : client.getChildren().forPath(path)) collect(client, path + "/" + child, into);
    }
}
