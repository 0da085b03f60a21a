package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.flyctl.FlyctlStandIn;
import dev.pgmanager.platform.flyctl.FlyctlStandIn.FlypgError;
import dev.pgmanager.platform.flyctl.FlyctlStandIn.Machine;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@code fly pg} command that reaches the machines, made exactly as flyctl makes it ({@link FlyctlStandIn}), against
 * a real three-member cluster: the leader found from the role checks, users and databases listed and created through
 * attach, bad input refused with nothing changed, config show and update (with a setting that needs a restart), flyctl's
 * rolling restart, failover and detach. Outcomes are read from PostgreSQL itself.
 */
class FlyctlCompatibilityTest {
    private static final Duration HEALTHY = Duration.ofSeconds(90);
    private final HttpClient http = CHECKS;

    @Test
    void flyPgCommandsWorkOnAPgmanagerClusterAndBadInputChangesNothing() throws Exception {
        try (LocalClusterHarness harness = LocalClusterHarness.up(3)) {
            harness.awaitHealthy(HEALTHY);
            String dir = harness.cluster.dir().toAbsolutePath().normalize().toString();
            FlyctlStandIn.Shell shell = (machine, command) -> {
                String[] words = command.split(" ");
                if (!words[0].equals("stolonctl-run")) throw new AssertionError("unexpected command in " + machine.id() + ": " + command);
                CommandRun run = CommandRun.of("config", "stolonctl-run", words[1], "--dir", dir);
                assertEquals(0, run.exit(), run.err());
                return run.out();
            };
            // flyctl comes over WireGuard, from a peer's address on the private network that is no machine's
            InetAddress peer = peerAddress(harness);
            FlyctlStandIn fly = new FlyctlStandIn(() -> machines(harness), shell, peer);

            // the leader, as flyctl picks it: the one member whose role check passes with "primary"
            Await.until(Duration.ofSeconds(30), "the role checks name one primary and two replicas",
                    () -> roles(harness).equals(List.of("primary", "replica", "replica")));
            String leader = harness.leader();
            assertEquals(leader, fly.pickLeader().id());
            for (Machine m : machines(harness)) {
                assertEquals("passing", FlyctlStandIn.check(http, m.flyApi(), "/flycheck/pg").status(), m.id());
                assertTrue(FlyctlStandIn.check(http, m.flyApi(), "/flycheck/pg").output().contains("connections:"));
                FlyctlStandIn.Check vm = FlyctlStandIn.check(http, m.flyApi(), "/flycheck/vm");
                assertTrue(vm.output().contains("free space on"), vm.output());
            }

            // fly pg users list
            assertTrue(fly.listUsers().stream().anyMatch(u -> u.Username().equals("postgres") && u.Superuser()), "" + fly.listUsers());

            // fly pg attach: a database and a user, and the URL's credentials work on the primary
            String url = fly.attach("my-db", "my-app", null, null, false);
            Matcher credentials = Pattern.compile("postgres://(\\w+):([^@]+)@my-db\\.flycast:5432/(\\w+)\\?sslmode=disable").matcher(url);
            assertTrue(credentials.matches(), url);
            assertEquals("my_app", credentials.group(1));
            assertEquals("my_app", credentials.group(3));
            try (Connection app = connectAs(harness, leader, "my_app", credentials.group(2), "my_app"); Statement s = app.createStatement()) {
                s.execute("CREATE TABLE orders (id int PRIMARY KEY)");
                s.execute("INSERT INTO orders SELECT generate_series(1, 50)");
            }
            assertTrue(fly.listDatabases().stream().anyMatch(d -> d.Name().equals("my_app") && d.Users().contains("my_app")),
                    "" + fly.listDatabases());
            assertTrue(fly.userExists("my_app"));
            assertTrue(fly.databaseExists("my_app"));

            badInputIsRefusedAndChangesNothing(fly, harness, leader);
            if (!peer.isLoopbackAddress()) {
                // any other process on the private network, here a machine of the organization, changes nothing
                String member = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
                FlyctlStandIn fromMachine = new FlyctlStandIn(() -> machines(harness), shell,
                        InetAddress.ofLiteral(harness.currentFile().member(member).orElseThrow().address()));
                FlypgError refused = assertThrows(FlypgError.class, () -> fromMachine.createUser("intruder", "x", true));
                assertEquals(403, refused.status);
                assertTrue(refused.err.contains("not admitted from the organization's machines"), refused.err);
                assertEquals(403, assertThrows(FlypgError.class, fromMachine::failover).status);
                assertFalse(fly.userExists("intruder"));
                assertEquals(leader, harness.leader());
                assertTrue(fromMachine.listUsers().size() > 1, "reading stays open");
            }

            // fly pg config show: the settings flyctl asks for, typed as it renders them
            FlyctlStandIn.PGSettings shown = fly.viewSettings(List.copyOf(FlyctlStandIn.PG_SETTINGS.values()));
            assertEquals(FlyctlStandIn.PG_SETTINGS.size(), shown.settings().size());
            FlyctlStandIn.PGSetting maxConnections = shown.settings().stream().filter(s -> s.name().equals("max_connections")).findFirst().orElseThrow();
            assertEquals("integer", maxConnections.vartype());
            assertEquals("postmaster", maxConnections.context());
            assertEquals("1", maxConnections.min_val());

            // fly pg config update: one setting applied by reload everywhere, one pending a restart everywhere
            assertTrue(fly.configUpdate(Map.of("log-statement", "ddl", "max-connections", "150")));
            for (String id : harness.machineIds()) {
                Await.until(Duration.ofSeconds(15), id + " runs with log_statement = ddl", () -> show(harness, id, "log_statement").equals("ddl"));
                Await.until(Duration.ofSeconds(15), id + " waits for a restart for max_connections",
                        () -> pendingRestart(harness, id).contains("max_connections"));
            }
            try (ZooKeeperClusterStore store = harness.store()) {
                Await.until(Duration.ofSeconds(15), "every record says max_connections waits for a restart",
                        () -> store.read().members().values().stream().allMatch(m -> m.pendingRestart().contains("max_connections")));
            }
            FlyctlStandIn.PGSetting pending = fly.viewSettings(List.of("max_connections")).settings().getFirst();
            assertTrue(pending.pending_restart());
            assertEquals("150", pending.pending_change());
            CommandRun listed = CommandRun.of("list", "--dir", dir);
            assertTrue(listed.out().contains("pending restart (max_connections)"), listed.out());

            // the checks flyctl would not catch (it validates only some types) are the server's: nothing is stored
            CommandRun refused = CommandRun.of("config", "stolonctl-run", base64("update --patch '{\"pgParameters\":"
                    + "{\"max_connections\":\"lots\",\"wal_level\":\"minimal\",\"no_such_setting\":\"1\",\"port\":\"1\"}}'"), "--dir", dir);
            assertTrue(refused.out().contains("\"success\":false"), refused.out());
            for (String why : List.of("max_connections: 'lots' is not a number", "wal_level minimal", "unknown parameter no_such_setting",
                    "port: pgmanager sets port itself")) {
                assertTrue(refused.out().contains(why), why + " not in " + refused.out());
            }
            CommandRun shownConfig = CommandRun.of("config", "show", "--dir", dir);
            assertTrue(shownConfig.out().contains("max_connections = 150") && !shownConfig.out().contains("lots"), shownConfig.out());

            // fly pg restart, as machinesRestart does it: replicas, a failover through the API, then the old leader
            for (String replica : harness.machineIds().stream().filter(id -> !id.equals(leader)).toList()) {
                harness.cluster.stop(replica);
                harness.cluster.start(replica);
            }
            harness.awaitHealthy(HEALTHY);
            fly.failover();
            String next = harness.leader();
            assertNotEquals(leader, next);
            harness.cluster.stop(leader);
            harness.cluster.start(leader);
            harness.awaitHealthy(HEALTHY);
            for (String id : harness.machineIds()) {
                Await.until(Duration.ofSeconds(20), id + " runs with max_connections = 150", () -> show(harness, id, "max_connections").equals("150"));
                assertTrue(pendingRestart(harness, id).isEmpty(), id);
            }
            Await.until(Duration.ofSeconds(30), "the role checks follow the new primary",
                    () -> picks(fly, harness.leader()) && roles(harness).equals(List.of("primary", "replica", "replica")));

            // fly pg failover alone
            String before = harness.leader();
            fly.failover();
            assertNotEquals(before, harness.leader());
            Await.until(Duration.ofSeconds(30), "the role checks name the new primary", () -> picks(fly, harness.leader()));

            // pgmanager's own way: config set, then restart --pending (replicas, a switchover, the old primary)
            CommandRun bad = CommandRun.of("config", "set", "shared_buffers=lots", "--dir", dir);
            assertEquals(2, bad.exit(), bad.out() + bad.err());
            assertTrue(bad.err().contains("shared_buffers: 'lots' is not a number") && bad.err().contains("nothing was changed"), bad.err());
            CommandRun set = CommandRun.of("config", "set", "shared_buffers=160MB", "work_mem=8MB", "--dir", dir);
            assertEquals(0, set.exit(), set.err());
            assertTrue(set.out().contains("shared_buffers take effect only at a restart: pgmanager restart --pending"), set.out());
            for (String id : harness.machineIds()) {
                Await.until(Duration.ofSeconds(15), id + " runs with work_mem = 8MB", () -> show(harness, id, "work_mem").equals("8MB"));
                Await.until(Duration.ofSeconds(15), id + " waits for a restart for shared_buffers",
                        () -> pendingRestart(harness, id).contains("shared_buffers"));
            }
            try (ZooKeeperClusterStore store = harness.store()) {
                Await.until(Duration.ofSeconds(15), "every record says shared_buffers waits for a restart",
                        () -> store.read().members().values().stream().allMatch(m -> m.pendingRestart().contains("shared_buffers")));
            }
            String leaderBeforeRolling = harness.leader();
            CommandRun rolling = CommandRun.of("restart", "--pending", "--dir", dir);
            assertEquals(0, rolling.exit(), rolling.out() + rolling.err());
            assertTrue(rolling.out().contains("done: every member that waited runs with the cluster's parameters"), rolling.out());
            harness.awaitHealthy(HEALTHY);
            assertNotEquals(leaderBeforeRolling, harness.leader(), "the primary restarted after a switchover, not in place");
            for (String id : harness.machineIds()) {
                assertEquals("160MB", show(harness, id, "shared_buffers"), id);
                assertEquals(List.of(), pendingRestart(harness, id), id);
            }
            CommandRun nothingWaits = CommandRun.of("restart", "--pending", "--dir", dir);
            assertTrue(nothingWaits.out().contains("no member waits for a restart"), nothingWaits.out());

            // the application's rows survived every move; fly pg detach drops the user and keeps the data
            try (Connection app = connectAs(harness, harness.leader(), "my_app", credentials.group(2), "my_app");
                    Statement s = app.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM orders")) {
                r.next();
                assertEquals(50, r.getInt(1));
            }
            fly.detach("my_app");
            assertFalse(fly.userExists("my_app"));
            try (Connection c = connectAs(harness, harness.leader(), "postgres", harness.file.superuserPassword(), "my_app");
                    Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM orders")) {
                r.next();
                assertEquals(50, r.getInt(1));
            }
        }
    }

    private static void badInputIsRefusedAndChangesNothing(FlyctlStandIn fly, LocalClusterHarness harness, String leader) throws Exception {
        List<String> rolesBefore = rolesIn(harness, leader);
        FlypgError duplicate = assertThrows(FlypgError.class, () -> fly.createUser("my_app", "x", false));
        assertEquals(409, duplicate.status);
        assertTrue(duplicate.err.contains("already exists"), duplicate.err);
        for (String reserved : List.of("postgres", "repluser", "pg_monitor")) {
            FlypgError e = assertThrows(FlypgError.class, () -> fly.createUser(reserved, "x", true));
            assertEquals(403, e.status, reserved);
            FlypgError d = assertThrows(FlypgError.class, () -> fly.deleteUser(reserved));
            assertEquals(403, d.status, reserved);
        }
        for (String hostile : List.of("x\"; DROP TABLE orders; --", "a b", "x'||pg_sleep(5)||'", "$(touch /tmp/pwned)")) {
            FlypgError e = assertThrows(FlypgError.class, () -> fly.createUser(hostile, "x", false));
            assertEquals(400, e.status, hostile);
            FlypgError db = assertThrows(FlypgError.class, () -> fly.createDatabase(hostile));
            assertEquals(400, db.status, hostile);
        }
        assertEquals(404, assertThrows(FlypgError.class, () -> fly.deleteUser("nobody")).status);
        assertFalse(fly.userExists("nobody"));
        assertFalse(fly.databaseExists("nothing"));
        assertEquals(409, assertThrows(FlypgError.class, () -> fly.createDatabase("my_app")).status);
        assertEquals(400, assertThrows(FlypgError.class, () -> fly.createDatabase("template1")).status);
        assertEquals(rolesBefore, rolesIn(harness, leader));
        assertFalse(Files.exists(java.nio.file.Path.of("/tmp/pwned")));
    }

    /** An address of the cluster's private network that no member has, on the loopback device (removed with the cluster's network). */
    private static InetAddress peerAddress(LocalClusterHarness harness) throws Exception {
        byte[] bytes = InetAddress.ofLiteral(harness.currentFile().members().getFirst().address()).getAddress();
        bytes[bytes.length - 1] = (byte) 0xfe;
        InetAddress peer = InetAddress.getByAddress(bytes);
        if (!peer.isLoopbackAddress()) LoopbackAddresses.ensure(peer.getHostAddress());
        return peer;
    }

    /** Fly's checks, one client for all (connections kept alive, as Fly's checker keeps them). */
    private static final HttpClient CHECKS = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static List<Machine> machines(LocalClusterHarness harness) {
        HttpClient http = CHECKS;
        List<Machine> machines = new ArrayList<>();
        for (LocalMember m : harness.currentFile().members()) {
            String flyApi = flyApi(harness, m.machineId());
            machines.add(new Machine(m.machineId(), m.address(), flyApi, FlyctlStandIn.check(http, flyApi, "/flycheck/role")));
        }
        return machines;
    }

    /** Whether flyctl picks {@code machineId} as the leader now (it finds none while the checks disagree). */
    private static boolean picks(FlyctlStandIn fly, String machineId) {
        try {
            return fly.pickLeader().id().equals(machineId);
        } catch (IllegalStateException noLeaderYet) {
            return false;
        }
    }

    /** The role checks' outputs, sorted: what fly checks list shows. */
    private static List<String> roles(LocalClusterHarness harness) {
        return machines(harness).stream().map(m -> m.role().passing() ? m.role().output() : "failing").sorted().toList();
    }

    private static String flyApi(LocalClusterHarness harness, String machineId) {
        try {
            String config = Files.readString(harness.memberDir(machineId).resolve("pgmanager.yml"));
            Matcher listen = Pattern.compile("flyapi:\\n  listen: \"([^\"]+)\"").matcher(config);
            if (!listen.find()) throw new AssertionError("no flyapi.listen in " + config);
            return listen.group(1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Connection connectAs(LocalClusterHarness harness, String machineId, String user, String password, String database)
            throws SQLException {
        LocalMember m = harness.currentFile().member(machineId).orElseThrow();
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl(database), p);
    }

    private static String show(LocalClusterHarness harness, String machineId, String setting) {
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW " + setting)) {
            r.next();
            return r.getString(1);
        } catch (SQLException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    private static List<String> pendingRestart(LocalClusterHarness harness, String machineId) {
        List<String> names = new ArrayList<>();
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT name FROM pg_settings WHERE pending_restart")) {
            while (r.next()) names.add(r.getString(1));
        } catch (SQLException e) {
            names.add("unreachable");
        }
        return names;
    }

    private static List<String> rolesIn(LocalClusterHarness harness, String machineId) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = harness.connect(machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT rolname FROM pg_roles ORDER BY rolname")) {
            while (r.next()) names.add(r.getString(1));
        }
        return names;
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
