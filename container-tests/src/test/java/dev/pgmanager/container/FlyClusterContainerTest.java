package dev.pgmanager.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.platform.bench.SequenceWriter;
import dev.pgmanager.platform.flyctl.FlyctlStandIn;
import dev.pgmanager.store.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The image as a Fly app of three machines, on a real Docker engine: the cluster forms with its checks green, a
 * migrated machine (stopped, moved to a new IPv6 address, started) rejoins with no acknowledged write lost, a primary
 * stopped with its kill signal hands over before it exits, and the operator's commands inside a machine tell the
 * truth. One cluster serves the tests in order; each leaves it healthy for the next.
 */
@ExtendWith(DockerEngine.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlyClusterContainerTest {
    /** Generous: three JVMs, initdb and two base backups on a loaded 2-core machine. */
    private static final Duration FORMS_WITHIN = Duration.ofMinutes(4);
    private static final Duration HEALS_WITHIN = Duration.ofMinutes(3);
    /** ha.stop_handover_timeout's default: the longest a stopping leader waits for the hand-over. */
    private static final Duration STOP_HANDOVER_TIMEOUT = Duration.ofSeconds(20);
    /** How far behind the store a member's GET /cluster may be: its last pass, ha.loop_wait (1 s) apart, and our poll. */
    private static final Duration VIEW_STALENESS = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FlyAppInDocker app;

    @BeforeAll
    static void startApp() throws Exception {
        app = new FlyAppInDocker(DockerEngine.image(), 3);
        awaitHealthy(FORMS_WITHIN);
    }

    @AfterAll
    static void removeApp() {
        if (app != null) app.close();
    }

    @Test
    @Order(1)
    void onePrimaryAndTwoStreamingReplicasWithTheirChecksGreen() throws Exception {
        String primary = primary();
        assertEquals(List.of("/flycheck/pg", "/flycheck/role", "/flycheck/vm"), app.checkPaths(), "fly.toml's machine checks");
        for (String member : app.machineIds()) {
            // pg and role must pass; vm judges the host's load and stall figures too, which a loaded test machine may fail
            // (the check doing its job), so only its volume item must pass here
            Await.until(Duration.ofSeconds(30), member + "'s pg and role checks passing",
                    () -> app.status(member, "/flycheck/pg") == 200 && app.status(member, "/flycheck/role") == 200);
            String vm = app.bodyOf(member, "/flycheck/vm").orElseThrow();
            assertTrue(vm.contains("[✓] checkDisk:") && vm.contains("checkLoad:") && vm.contains("memory:"), member + ": " + vm);
            // flyctl finds the leader by this output, the role word alone
            assertEquals(member.equals(primary) ? "primary" : "replica", app.body(member, "/flycheck/role").orElseThrow(),
                    member + "'s role check names its role");
            assertEquals(member.equals(primary) ? 200 : 503, app.status(member, "/primary"), member + " /primary");
            // the sidecar started with the AOT cache the image's build made: its JVM maps it (one it refused, it would not)
            // (PostgreSQL's processes are another user's: their maps are closed to docker exec, and grep says so)
            FlyAppInDocker.ExecResult mapping = app.exec(member, "sh", "-c",
                    "for p in /proc/[0-9]*; do grep -qs pgmanager.jar $p/cmdline && grep -ls /opt/pgmanager/pgmanager.aot $p/maps; done; true");
            assertTrue(mapping.stdout().contains("/maps"), member + "'s sidecar maps no AOT cache: " + mapping);
        }
        // each replica found the primary by its DNS name in Docker's DNS, and streams from its own current address
        Map<String, String> streaming = streamingReplicas();
        for (String member : app.machineIds()) {
            if (member.equals(primary)) continue;
            assertEquals(canonical(app.addressOf(member)), streaming.get(member), member + " streams from its address");
        }
        assertEquals(2, streaming.size(), "streaming replicas: " + streaming);
    }

    @Test
    @Order(2)
    void migratedPrimaryHandsOverAndRejoinsFromItsNewAddressWithNoWriteLost() throws Exception {
        String moved = primary();
        String oldAddress = app.addressOf(moved);
        try (SequenceWriter writer = writerAvoiding(moved, "migration")) {
            awaitWrites(writer);
            Instant migrationStarted = Instant.now();
            String newAddress = app.migrate(moved);
            assertNotEquals(canonical(oldAddress), canonical(newAddress));

            awaitHealthy(HEALS_WITHIN);
            Await.until(Duration.ofMinutes(1), moved + " streaming from " + newAddress, () -> {
                Map<String, String> streaming = quietly(FlyClusterContainerTest::streamingReplicas);
                return streaming != null && canonical(newAddress).equals(streaming.get(moved));
            });
            awaitWritesAfter(writer, Instant.now());
            writer.close();
            try (Connection primary = routedConnection(app.machineIds().getFirst())) {
                assertEquals(List.of(), writer.lostWrites(primary), "acknowledged writes lost in the migration");
            }
            System.out.printf("migration of the primary: longest write gap %d ms, %d writes acknowledged%n",
                    writer.longestGapSince(migrationStarted).toMillis(), writer.acknowledgedCount());
        }
        assertNotEquals(moved, primary(), "the migrated primary handed over");
        // the member's own records and the list agree on the new address
        JsonNode list = listFrom(otherThan(moved));
        assertEquals(canonical(newAddressOf(moved)), canonical(memberIn(list, moved).path("address").asText()));
    }

    @Test
    @Order(3)
    void primaryStoppedWithItsKillSignalHandsOverBeforeItExits() throws Exception {
        String stopped = primary();
        try (SequenceWriter writer = writerAvoiding(stopped, "stop")) {
            awaitWrites(writer);
            AtomicReference<Instant> otherLeads = new AtomicReference<>();
            // who leads, as the other members see the store (their GET /cluster)
            Thread watcher = Thread.ofVirtual().start(() -> {
                while (otherLeads.get() == null && !Thread.currentThread().isInterrupted()) {
                    for (String member : app.machineIds()) {
                        if (member.equals(stopped)) continue;
                        Optional<String> leader = app.body(member, "/cluster").map(FlyClusterContainerTest::leaderIn);
                        if (leader.isPresent() && !leader.get().isEmpty() && !leader.get().equals(stopped)) {
                            otherLeads.compareAndSet(null, Instant.now());
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            Instant stopAt = Instant.now();
            long exitCode = app.stop(stopped);
            Instant exited = Instant.now();
            watcher.interrupt();
            watcher.join();

            assertNotEquals(137L, exitCode, "the sidecar was killed after kill_timeout instead of stopping by itself");
            // the sidecar's own account: it saw another member lead, and only then stopped
            String log = app.logOf(stopped);
            assertTrue(log.contains("leads now; stopping"), "the stopping leader waits for its successor:\n" + log);
            // and the others' account: they saw the new leader no later than their view can lag behind the store
            assertTrue(otherLeads.get() != null && otherLeads.get().isBefore(exited.plus(VIEW_STALENESS)),
                    "another member must hold the lease when the stopped primary exits (exit at " + exited
                            + ", another leads at " + otherLeads.get() + ")");
            awaitWritesAfter(writer, exited);
            Duration gap = writer.longestGapSince(stopAt);
            System.out.printf("kill signal to the primary: hand-over after %d ms, exit after %d ms, longest write gap %d ms%n",
                    Duration.between(stopAt, otherLeads.get()).toMillis(), Duration.between(stopAt, exited).toMillis(), gap.toMillis());
            assertTrue(gap.compareTo(STOP_HANDOVER_TIMEOUT) < 0, "write gap " + gap + " within ha.stop_handover_timeout");

            app.start(stopped);
            awaitHealthy(HEALS_WITHIN);
            writer.close();
            try (Connection primary = routedConnection(stopped)) {
                assertEquals(List.of(), writer.lostWrites(primary), "acknowledged writes lost in the stop");
            }
        }
    }

    @Test
    @Order(4)
    void listInsideAMemberShowsTheCluster() throws Exception {
        awaitHealthy(HEALS_WITHIN);
        // the list reads the store, where each member records itself once per pass: it may lag the members by a pass
        for (String member : app.machineIds()) {
            AtomicReference<String> mismatch = new AtomicReference<>("");
            try {
                Await.until(Duration.ofSeconds(60), "pgmanager list in " + member + " agreeing with the members", () -> {
                    mismatch.set(listMismatch(member));
                    return mismatch.get().isEmpty();
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; last difference: " + mismatch.get(), e);
            }
        }
        String primary = primary();
        FlyAppInDocker.ExecResult table = app.exec(primary, "pgmanager", "list");
        assertEquals(0, table.exitCode(), table.stderr());
        assertTrue(table.stdout().contains("leader " + primary), table.stdout());
    }

    /** What `pgmanager list -o json` run in {@code member} gets wrong against the members' APIs and addresses; empty: nothing. */
    private static String listMismatch(String member) {
        try {
            String primary = primary();
            JsonNode list = listFrom(member);
            if (!primary.equals(list.path("leader").asText())) return "leader " + list.path("leader") + ", not " + primary;
            if (list.path("members").size() != 3) return "members: " + list.path("members");
            for (String other : app.machineIds()) {
                JsonNode entry = memberIn(list, other);
                String role = other.equals(primary) ? "primary" : "replica";
                if (!role.equals(entry.path("role").asText())) return other + " is " + entry.path("role") + ", not " + role;
                if (!canonical(app.addressOf(other)).equals(canonical(entry.path("address").asText()))) {
                    return other + " at " + entry.path("address") + ", not " + app.addressOf(other);
                }
            }
            return "";
        } catch (Exception | AssertionError e) {
            return e.toString();
        }
    }

    @Test
    @Order(5)
    void doctorInsideAMemberFindsNothingWrongInAHealthyClusterButItsMissingBackups() throws Exception {
        String member = app.machineIds().getFirst();
        FlyAppInDocker.ExecResult doctor = app.exec(member, "pgmanager", "doctor", "-o", "json");
        JsonNode report = JSON.readTree(doctor.stdout());
        // The app has no bucket: the warning that it has no backups is the one finding not ok, and why the exit code is 1.
        List<String> notOk = new java.util.ArrayList<>();
        report.path("findings").forEach(f -> {
            if (!f.path("severity").asText().equals("ok")) notOk.add(f.path("check").asText() + ": " + f.path("message").asText());
        });
        assertEquals(1, notOk.size(), "doctor on a healthy cluster:\n" + doctor.stdout() + doctor.stderr());
        assertTrue(notOk.getFirst().startsWith("backups: no backups:"), notOk.toString());
        assertEquals(1, doctor.exitCode(), doctor.stdout() + doctor.stderr());
        assertTrue(doctor.stdout().contains(primary()), "doctor names the leader:\n" + doctor.stdout());
    }

    /**
     * With PGMANAGER_LOG_FORMAT=json every line a machine writes, over all its starts (the migration and the kill-signal
     * stop restarted some), is one JSON object naming the member; once a leader is known its events carry the epoch.
     */
    @Test
    @Order(6)
    void everyLogLineIsAJsonObjectNamingTheMember() throws Exception {
        for (String member : app.machineIds()) {
            List<String> lines = app.logOf(member).lines().filter(line -> !line.isBlank()).toList();
            assertTrue(lines.size() > 5, member + " logged only " + lines);
            List<JsonNode> events = new java.util.ArrayList<>();
            for (String line : lines) {
                JsonNode event;
                try {
                    event = JSON.readTree(line);
                } catch (IOException e) {
                    throw new AssertionError(member + " wrote a line that is not JSON: " + line, e);
                }
                assertTrue(event.isObject(), member + ": " + line);
                assertEquals(member, event.path("machine_id").asText(), "every event names its machine: " + line);
                for (String field : List.of("timestamp", "level", "logger", "message")) {
                    assertTrue(event.hasNonNull(field), field + " in " + line);
                }
                events.add(event);
            }
            assertTrue(events.stream().anyMatch(event -> event.path("epoch").asLong() > 0),
                    member + "'s events never carry a leader's epoch");
        }
    }

    /**
     * flyctl against the image, command by command as {@link FlyctlStandIn} makes its calls: the labels choose its HTTP
     * path, the leader comes from the role checks on 5500, attach creates a database and a user whose URL works through
     * 5432, connect runs the image's connect program in the leader, config update runs its stolonctl-run there, and a
     * failover through the API moves the primary; detach drops the user and keeps the data.
     */
    @Test
    @Order(7)
    void flyPgCommandsWorkAgainstTheImage() throws Exception {
        awaitHealthy(HEALS_WITHIN);
        Map<String, String> labels = app.imageLabels();
        assertEquals("postgres_cluster", labels.get("fly.app_role"), "fly pg commands need a Postgres app");
        assertNotEquals("repmgr", labels.get("fly.pg-manager"), "not flex: flyctl takes its HTTP path");
        assertEquals("custom", labels.get("fly.version"));

        FlyctlStandIn.Shell shell = (machine, command) -> {
            FlyAppInDocker.ExecResult run = app.exec(machine.id(), "sh", "-c", command);
            assertEquals(0, run.exitCode(), command.split(" ")[0] + " in " + machine.id() + ": " + run.stderr() + run.stdout());
            return run.stdout();
        };
        java.net.http.HttpClient checks = java.net.http.HttpClient.newHttpClient();
        java.util.function.Supplier<List<FlyctlStandIn.Machine>> machines = () -> app.machineIds().stream()
                .map(m -> new FlyctlStandIn.Machine(m, app.addressOf(m), app.flyApiOf(m),
                        FlyctlStandIn.check(checks, app.flyApiOf(m), "/flycheck/role")))
                .toList();
        FlyctlStandIn fly = new FlyctlStandIn(machines, shell, null);
        Await.until(Duration.ofSeconds(30), "flyctl finds the leader by the role checks", () -> {
            try {
                return fly.pickLeader().id().equals(primary());
            } catch (IllegalStateException | AssertionError notYet) {
                return false;
            }
        });

        String url = fly.attach(app.app(), "shop-app", null, null, false);
        java.util.regex.Matcher credentials = java.util.regex.Pattern
                .compile("postgres://(\\w+):([^@]+)@[^/]+/(\\w+)\\?sslmode=disable").matcher(url);
        assertTrue(credentials.matches(), url);
        String password = credentials.group(2);
        try (Connection shop = DriverManager.getConnection(SequenceWriter.primaryUrl(app.machineIds().stream()
                .map(m -> "[" + app.addressOf(m) + "]:" + FlyAppInDocker.ROUTER_PORT).toList(), "shop_app"), "shop_app", password);
                java.sql.Statement s = shop.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            s.execute("INSERT INTO orders SELECT generate_series(1, 25)");
        }
        assertTrue(fly.listUsers().stream().anyMatch(u -> u.Username().equals("shop_app") && !u.Superuser()));
        assertTrue(fly.listDatabases().stream().anyMatch(d -> d.Name().equals("shop_app")));

        // fly pg connect: psql in the leader, as the user the URL names, and as postgres with OPERATOR_PASSWORD by default
        String counted = fly.connect("shop_app", "shop_app", password, "SELECT 'orders=' || count(*) FROM orders;");
        assertTrue(counted.contains("orders=25"), counted);
        String operator = fly.connect("postgres", "postgres", "", "SELECT 'me=' || current_user;");
        assertTrue(operator.contains("me=postgres"), operator);

        // fly pg config update, through stolonctl-run in the leader: every member reloads
        fly.configUpdate(Map.of("log-statement", "mod"));
        for (String member : app.machineIds()) {
            Await.until(Duration.ofSeconds(20), member + " logs modifying statements", () -> {
                try {
                    return app.exec(member, "sh", "-c", "connect postgres postgres '' <<'SQL'\nSHOW log_statement;\nSQL")
                            .stdout().contains(" mod");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }

        // fly pg failover: the API's trigger answers once the primary moved; no order was lost
        String before = primary();
        fly.failover();
        Await.until(Duration.ofSeconds(30), "flyctl sees the new leader", () -> {
            try {
                String now = fly.pickLeader().id();
                return !now.equals(before) && now.equals(primary());
            } catch (IllegalStateException | AssertionError notYet) {
                return false;
            }
        });
        // fly pg restart, as machinesRestart does it: each replica's machine restarted, a failover through the API, then
        // the old leader's machine
        String leaderBefore = fly.pickLeader().id();
        for (String member : app.machineIds()) {
            if (member.equals(leaderBefore)) continue;
            app.stop(member);
            app.start(member);
            awaitHealthy(HEALS_WITHIN);
        }
        fly.failover();
        app.stop(leaderBefore);
        app.start(leaderBefore);
        awaitHealthy(HEALS_WITHIN);
        Await.until(Duration.ofSeconds(30), "flyctl finds the leader after the restart", () -> {
            try {
                return fly.pickLeader().id().equals(primary());
            } catch (IllegalStateException | AssertionError notYet) {
                return false;
            }
        });
        assertNotEquals(leaderBefore, primary(), "the old leader handed over before its machine restarted");

        fly.detach("shop_app");
        assertFalse(fly.userExists("shop_app"));
        String kept = fly.connect("shop_app", "postgres", "", "SELECT 'orders=' || count(*) FROM orders;");
        assertTrue(kept.contains("orders=25"), kept);
    }

    // ---- helpers ----

    /** Exactly one member answers /primary, and every member is live and ready. */
    private static void awaitHealthy(Duration limit) {
        Await.until(limit, "one primary and every member live and ready", () -> {
            int primaries = 0;
            for (String member : app.machineIds()) {
                if (app.status(member, "/health/live") != 200 || app.status(member, "/health/ready") != 200) return false;
                if (app.status(member, "/primary") == 200) primaries++;
            }
            return primaries == 1;
        });
    }

    private static String primary() {
        List<String> primaries = app.machineIds().stream().filter(m -> app.status(m, "/primary") == 200).toList();
        assertEquals(1, primaries.size(), "members answering /primary: " + primaries);
        return primaries.getFirst();
    }

    private static String otherThan(String machineId) {
        return app.machineIds().stream().filter(m -> !m.equals(machineId)).findFirst().orElseThrow();
    }

    private static String newAddressOf(String machineId) {
        return app.addressOf(machineId);
    }

    /** Replicas streaming from the primary, by application_name (machine ID), with their client address. */
    private static Map<String, String> streamingReplicas() throws SQLException {
        try (Connection primary = routedConnection(app.machineIds().getFirst());
             PreparedStatement query = primary.prepareStatement(
                     "SELECT application_name, host(client_addr) FROM pg_stat_replication WHERE state = 'streaming'");
             ResultSet rows = query.executeQuery()) {
            Map<String, String> streaming = new HashMap<>();
            while (rows.next()) streaming.put(rows.getString(1), canonical(rows.getString(2)));
            return streaming;
        }
    }

    /** A connection to the primary through a member's router (port 5432), as an application on Fly gets one. */
    private static Connection routedConnection(String throughMember) throws SQLException {
        return DriverManager.getConnection(routerUrl(List.of(throughMember)), "postgres", FlyAppInDocker.OPERATOR_PASSWORD);
    }

    /** A writer through the routers of the members other than {@code moved}: it never needs the moved one. */
    private static SequenceWriter writerAvoiding(String moved, String table) throws SQLException {
        List<String> through = app.machineIds().stream().filter(m -> !m.equals(moved)).toList();
        return new SequenceWriter(routerUrl(through), "postgres", FlyAppInDocker.OPERATOR_PASSWORD, table, Duration.ofMillis(50));
    }

    private static String routerUrl(List<String> members) {
        return SequenceWriter.primaryUrl(members.stream()
                .map(m -> "[" + app.addressOf(m) + "]:" + FlyAppInDocker.ROUTER_PORT).toList(), "postgres");
    }

    private static void awaitWrites(SequenceWriter writer) {
        Await.until(Duration.ofSeconds(30), "the writer writing", () -> writer.acknowledgedCount() > 10);
    }

    private static void awaitWritesAfter(SequenceWriter writer, Instant after) {
        Await.until(Duration.ofMinutes(1), "writes acknowledged again (last error: " + writer.lastError() + ")",
                () -> writer.lastAcknowledged().isAfter(after.plusSeconds(1)));
    }

    private static JsonNode listFrom(String member) throws Exception {
        FlyAppInDocker.ExecResult list = app.exec(member, "pgmanager", "list", "-o", "json");
        assertEquals(0, list.exitCode(), "pgmanager list in " + member + ": " + list.stderr());
        return JSON.readTree(list.stdout());
    }

    private static String leaderIn(String clusterJson) {
        try {
            return JSON.readTree(clusterJson).path("leader").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static JsonNode memberIn(JsonNode list, String machineId) {
        for (JsonNode member : list.path("members")) {
            if (machineId.equals(member.path("machine_id").asText())) return member;
        }
        throw new AssertionError(machineId + " missing from the list: " + list);
    }

    private static String canonical(String address) {
        if (address == null || address.isBlank()) return address;
        try {
            return InetAddress.getByName(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> T quietly(SqlCall<T> call) {
        try {
            return call.call();
        } catch (SQLException e) {
            return null;
        }
    }
}
