package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.platform.LocalStatus.MemberStatus;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pgmanager fork}, {@code local add}, {@code attach} and {@code detach} as an operator runs them, on one real
 * two-member source cluster: a fork (of a local cluster, or through the store onto a new machine whose sidecar adopts
 * it) holds every row committed before it, lives its own life on a new timeline, can grow, and leaves its source as it
 * was; an attached application connects with the printed URL; a detached one's data stays.
 */
class ForkAndAttachTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final int ROWS = 100;
    private static final Pattern URL = Pattern.compile("DATABASE_URL=postgres://([^:]+):([^@]+)@([^/]+)/([^?]+)\\?target_session_attrs=read-write");

    private static LocalClusterHarness source;
    private static String leader;
    private static String replica;

    @BeforeAll
    static void bootstrap() throws Exception {
        source = LocalClusterHarness.up(2);
        leader = source.leader();
        replica = source.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE before_fork (id int PRIMARY KEY)");
            s.execute("INSERT INTO before_fork SELECT generate_series(1, " + ROWS + ")");
        }
        Await.until(Duration.ofSeconds(30), replica + " replayed the rows", () -> count(source, replica, "before_fork") == ROWS);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (source != null) source.close();
    }

    @Test
    void aForkOfARunningReplicaHoldsItsRowsLivesOnItsOwnAndCanGrowWhileTheSourceStaysAsItWas() throws Exception {
        source.awaitHealthy(HEALTHY);
        Map<String, String> configBefore = configFiles(replica);
        Set<String> slotsBefore = slots(leader);
        byte[] clusterFileBefore = Files.readAllBytes(source.cluster.dir().resolve("cluster.json"));
        Path dir = newDirectory();

        CommandRun fork = run("local", "fork", "--from", replica, "--cluster", "forked", "--source-dir", source.cluster.dir().toString(),
                "--dir", dir.toString());
        try (LocalClusterHarness forked = adopt(dir, fork)) {
            LocalStatus status = forked.status();
            assertEquals(1, status.members().size(), status.summary());
            String member = status.leader();
            MemberStatus primary = forked.member(member);
            assertEquals("primary", primary.role(), status.summary());
            assertTrue(primary.timeline() > 1, "the fork was promoted onto a new timeline: " + status.summary());
            assertEquals("forked", forked.file.app());
            assertNotEquals(source.file.storePort(), forked.file.storePort(), "a store of its own");
            assertEquals(ROWS, count(forked, member, "before_fork"), "every row committed before the fork");

            try (Connection c = forked.connect(member); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE after_fork (note text)");
                s.execute("INSERT INTO after_fork VALUES ('only in the fork')");
                s.execute("INSERT INTO before_fork VALUES (" + (ROWS + 1) + ")");
            }
            try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
                s.execute("INSERT INTO before_fork VALUES (" + (ROWS + 2) + ")");
            }
            assertEquals(ROWS + 1, count(source, leader, "before_fork"), "the source saw none of the fork's writes");
            assertFalse(tableExists(source, leader, "after_fork"));
            assertEquals(ROWS + 1, count(forked, member, "before_fork"), "the fork saw none of the source's later writes");

            assertSourceUnchanged(configBefore, slotsBefore, clusterFileBefore);

            CommandRun add = run("local", "add", "--dir", dir.toString());
            assertEquals(0, add.exit(), add.err());
            LocalStatus grown = forked.awaitHealthy(HEALTHY);
            assertEquals(2, grown.members().size(), grown.summary());
            String added = grown.members().stream().map(MemberStatus::machineId).filter(id -> !id.equals(member)).findFirst().orElseThrow();
            Await.until(Duration.ofSeconds(30), "the new member replayed the fork's rows",
                    () -> count(forked, added, "before_fork") == ROWS + 1);
            assertEquals(primary.timeline(), forked.member(added).timeline(), "the new member follows the fork's timeline");
        }
    }

    @Test
    void aForkThroughTheStoreIsAdoptedByAFreshSidecarAsANewClusterBesideItsSourceWhichStaysAsItWas() throws Exception {
        source.awaitHealthy(HEALTHY);
        long rowsBefore = count(source, leader, "before_fork");
        Await.until(Duration.ofSeconds(30), replica + " replayed every row", () -> count(source, replica, "before_fork") == rowsBefore);
        Map<String, String> configBefore = configFiles(replica);
        Set<String> slotsBefore = slots(leader);
        byte[] clusterFileBefore = Files.readAllBytes(source.cluster.dir().resolve("cluster.json"));
        long sourceTimeline;
        try (Connection c = source.connect(leader)) {
            sourceTimeline = timeline(c);
        }

        try (NewMachine machine = NewMachine.withPasswordsOf(source.file)) {
            CommandRun fork = machine.pgmanager(storeFork(replica, "storefork", machine.data()));
            assertEquals(0, fork.exit(), fork.err());
            assertTrue(fork.out().contains("start the sidecar"), fork.out());

            // The same store as the source's: the new cluster lives beside it, under a path of its own.
            machine.startSidecar("storefork", source.file.storeConnectString(), dnsServer());
            try (ZooKeeperClusterStore store = machine.store(source.file.storeConnectString(), "storefork")) {
                Await.until(HEALTHY, "the new machine leads storefork and recorded its identity", () -> {
                    machine.requireSidecarRunning();
                    ClusterSnapshot cluster = store.read();
                    return cluster.isLeader(machine.machineId()) && cluster.identity().isPresent()
                            && cluster.member(machine.machineId()).map(m -> m.role() == MemberRole.PRIMARY).orElse(false);
                });
                assertEquals(Set.of(machine.machineId()), store.read().members().keySet(), "the new cluster's single member");
            }
            try (Connection c = machine.connect(); Statement s = c.createStatement()) {
                assertEquals("f", single(s, "SELECT pg_is_in_recovery()"));
                assertTrue(timeline(c) > sourceTimeline, "promoted onto a new timeline: " + timeline(c) + " after " + sourceTimeline);
                assertEquals(Long.toString(rowsBefore), single(s, "SELECT count(*) FROM before_fork"), "every row committed before the fork");
                s.execute("CREATE TABLE after_store_fork (note text)");
                s.execute("INSERT INTO after_store_fork VALUES ('only in the fork')");
            }
            try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
                s.execute("INSERT INTO before_fork VALUES (300000)");
            }
            assertFalse(tableExists(source, leader, "after_store_fork"), "the source saw none of the fork's writes");
            try (Connection c = machine.connect(); Statement s = c.createStatement()) {
                assertEquals(Long.toString(rowsBefore), single(s, "SELECT count(*) FROM before_fork"), "the fork saw none of the source's later writes");
            }
            assertSourceUnchanged(configBefore, slotsBefore, clusterFileBefore);
            try (ZooKeeperClusterStore store = source.store()) {
                assertEquals(Set.copyOf(source.machineIds()), store.read().members().keySet(), "the source's members are as they were");
            }

            Path again = machine.dir().resolve("again");
            CommandRun taken = machine.pgmanager(storeFork(replica, "storefork", again));
            assertEquals(2, taken.exit(), taken.err());
            assertTrue(taken.err().contains("a cluster named storefork already exists in the store"), taken.err());
            assertFalse(Files.exists(again), "nothing was created");
        }
    }

    @Test
    void aForkThroughTheStoreRefusesBadInputBeforeCopyingAnything() throws Exception {
        source.awaitHealthy(HEALTHY);
        try (NewMachine machine = NewMachine.withPasswordsOf(source.file)) {
            Files.createDirectories(machine.data());
            Files.writeString(machine.data().resolve("keep-me"), "precious");
            CommandRun notEmpty = machine.pgmanager(storeFork(replica, "other", machine.data()));
            assertEquals(2, notEmpty.exit(), notEmpty.err());
            assertTrue(notEmpty.err().contains("--data-dir " + machine.data() + " is not empty"), notEmpty.err());
            assertEquals("precious", Files.readString(machine.data().resolve("keep-me")));

            Path fresh = machine.dir().resolve("fresh");
            CommandRun unknown = machine.pgmanager(storeFork("00000000000000", "other", fresh));
            assertEquals(2, unknown.exit(), unknown.err());
            assertTrue(unknown.err().contains("00000000000000 is not a live member of cluster " + source.file.app()), unknown.err());

            CommandRun sameName = machine.pgmanager(storeFork(replica, source.file.app(), fresh));
            assertEquals(2, sameName.exit(), sameName.err());
            assertTrue(sameName.err().contains("is the name of the cluster being forked"), sameName.err());
            assertFalse(Files.exists(fresh), "nothing was created");
        }
    }

    @Test
    void aForkOfAStoppedMemberCopiesItsDataDirectoryAndLeavesItByteForByte() throws Exception {
        source.awaitHealthy(HEALTHY);
        source.cluster.stop(replica);
        Path data = source.memberDir(replica).resolve("data");
        String digestBefore = digest(data);
        Path dir = newDirectory();
        try {
            try (ZooKeeperClusterStore store = source.store()) {
                Await.until(Duration.ofSeconds(30), "the stopped member's record is gone", () -> store.read().member(replica).isEmpty());
            }
            try (NewMachine machine = NewMachine.withPasswordsOf(source.file)) {
                CommandRun throughStore = machine.pgmanager(storeFork(replica, "copied", machine.data()));
                assertEquals(2, throughStore.exit(), throughStore.err());
                assertTrue(throughStore.err().contains("a stopped member's data directory cannot be copied through the store"),
                        throughStore.err());
                assertFalse(Files.exists(machine.data()), "nothing was copied");
            }
            CommandRun fork = run("local", "fork", "--from", replica, "--cluster", "copied", "--source-dir", source.cluster.dir().toString(),
                    "--dir", dir.toString());
            try (LocalClusterHarness forked = adopt(dir, fork)) {
                String member = forked.leader();
                assertEquals("primary", forked.member(member).role());
                assertTrue(count(forked, member, "before_fork") >= ROWS, "the rows the stopped member had");
                try (Connection c = forked.connect(member); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO before_fork VALUES (100000)");
                }
                assertEquals(0, slots(forked, member).size(), "the source's slots were not copied");
            }
            assertEquals(digestBefore, digest(data), "the stopped member's data directory is byte-for-byte as it was");
        } finally {
            source.cluster.start(replica);
        }
        source.awaitHealthy(HEALTHY);
        assertEquals(leader, source.leader(), "the source's leader did not change");
        Await.untilAnswered(Duration.ofSeconds(30), replica + " streams again", () -> source.receiverStreaming(replica));
    }

    @Test
    void forkRefusesANonEmptyDirectoryTheSourcesNameAndAnUnknownMemberBeforeCopyingAnything() throws Exception {
        Path dir = newDirectory();
        Files.writeString(dir.resolve("keep-me"), "precious");
        String sourceDir = source.cluster.dir().toString();

        CommandRun notEmpty = run("local", "fork", "--from", replica, "--cluster", "other", "--source-dir", sourceDir, "--dir", dir.toString());
        assertEquals(2, notEmpty.exit(), notEmpty.err());
        assertTrue(notEmpty.err().contains("is not empty"), notEmpty.err());
        assertEquals("precious", Files.readString(dir.resolve("keep-me")));

        Path fresh = dir.resolve("fresh");
        CommandRun sameName = run("local", "fork", "--from", replica, "--cluster", source.file.app(), "--source-dir", sourceDir, "--dir", fresh.toString());
        assertEquals(2, sameName.exit(), sameName.err());
        assertTrue(sameName.err().contains("is the name of the cluster being forked"), sameName.err());

        CommandRun unknown = run("local", "fork", "--from", "00000000000000", "--cluster", "other", "--source-dir", sourceDir, "--dir", fresh.toString());
        assertEquals(2, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("is not a member"), unknown.err());

        CommandRun badName = run("local", "fork", "--from", replica, "--cluster", "Bad_Name", "--source-dir", sourceDir, "--dir", fresh.toString());
        assertEquals(2, badName.exit(), badName.err());
        assertFalse(Files.exists(fresh), "nothing was created");
        deleteTree(dir);
    }

    @Test
    void attachPrintsAUrlThatConnectsRefusesAnExistingUserUnlessForcedAndDetachKeepsTheData() throws Exception {
        source.awaitHealthy(HEALTHY);
        String dir = source.cluster.dir().toString();

        CommandRun attach = run("attach", "--dir", dir, "--database-name", "shop", "--database-user", "shop_app");
        assertEquals(0, attach.exit(), attach.err());
        Matcher url = URL.matcher(attach.out().strip());
        assertTrue(url.matches(), attach.out());
        assertEquals("shop_app", url.group(1));
        assertTrue(url.group(2).length() >= 32, "a long random password");
        assertEquals(Set.copyOf(source.hostPorts()), Set.of(url.group(3).split(",")), "every member, at its address now");
        String firstPassword = url.group(2);
        try (Connection c = connect(url.group(3), "shop", "shop_app", firstPassword); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int)");
            s.execute("INSERT INTO orders VALUES (1), (2), (3)");
            assertEquals("shop_app", single(s, "SELECT current_user"));
        }
        try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
            assertTrue(single(s, "SELECT rolpassword FROM pg_authid WHERE rolname = 'shop_app'").startsWith("SCRAM-SHA-256$"));
        }

        CommandRun again = run("attach", "--dir", dir, "--database-name", "shop", "--database-user", "shop_app");
        assertEquals(1, again.exit(), again.out());
        assertTrue(again.err().contains("role shop_app already exists"), again.err());
        connect(url.group(3), "shop", "shop_app", firstPassword).close();

        CommandRun forced = run("attach", "--dir", dir, "--database-name", "shop", "--database-user", "shop_app", "--force",
                "-o", "json", "--name-pattern", "{machine_id}.vm.{app}.internal");
        assertEquals(0, forced.exit(), forced.err());
        String newPassword = Pattern.compile("\"password\" : \"([^\"]+)\"").matcher(forced.out()).results().findFirst().orElseThrow().group(1);
        assertNotEquals(firstPassword, newPassword);
        for (String id : source.machineIds()) {
            assertTrue(forced.out().contains(id + ".vm." + source.file.app() + ".internal:" + source.file.member(id).orElseThrow().pgPort()),
                    "the members' DNS names: " + forced.out());
        }
        assertThrows(SQLException.class, () -> connect(url.group(3), "shop", "shop_app", firstPassword).close(), "the old password is reset");
        try (Connection c = connect(url.group(3), "shop", "shop_app", newPassword); Statement s = c.createStatement()) {
            assertEquals("3", single(s, "SELECT count(*) FROM orders"));
        }

        CommandRun injection = run("attach", "--dir", dir, "--database-name", "x\"; DROP DATABASE postgres; --", "--database-user", "u");
        assertEquals(2, injection.exit(), injection.err());
        CommandRun pgmanagers = run("attach", "--dir", dir, "--database-name", "shop", "--database-user", "postgres", "--force");
        assertEquals(2, pgmanagers.exit(), pgmanagers.err());
        assertTrue(pgmanagers.err().contains("a role pgmanager needs"), pgmanagers.err());

        CommandRun detach = run("detach", "--dir", dir, "--database-user", "shop_app");
        assertEquals(0, detach.exit(), detach.err());
        try (Connection c = source.connect(leader); Statement s = c.createStatement()) {
            assertEquals("0", single(s, "SELECT count(*) FROM pg_roles WHERE rolname = 'shop_app'"), "the role is gone");
            assertEquals("postgres", single(s, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'"));
        }
        try (Connection c = connectAsSuperuser("shop"); Statement s = c.createStatement()) {
            assertEquals("3", single(s, "SELECT count(*) FROM orders"), "the data is kept");
            assertEquals("postgres", single(s, "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"));
        }
        assertThrows(SQLException.class, () -> connect(url.group(3), "shop", "shop_app", newPassword).close());
        CommandRun detachAgain = run("detach", "--dir", dir, "--database-user", "shop_app");
        assertEquals(1, detachAgain.exit(), detachAgain.out());
        assertTrue(detachAgain.err().contains("there is no role shop_app"), detachAgain.err());
    }

    private static void assertSourceUnchanged(Map<String, String> configBefore, Set<String> slotsBefore, byte[] clusterFileBefore)
            throws Exception {
        LocalStatus status = source.status();
        assertEquals(leader, status.leader(), "the source's leader did not change: " + status.summary());
        assertEquals("replica", source.member(replica).role(), status.summary());
        assertEquals(1, source.member(replica).timeline(), "the source stays on its timeline");
        assertTrue(source.receiverStreaming(replica), replica + " still streams from its leader");
        assertEquals(configBefore, configFiles(replica), "the source's server settings are as they were");
        assertEquals(slotsBefore, slots(leader), "no slot was left on the leader");
        assertEquals(Set.of(), slots(replica), "no slot was left on the source");
        assertTrue(java.util.Arrays.equals(clusterFileBefore, Files.readAllBytes(source.cluster.dir().resolve("cluster.json"))),
                "the source's cluster file is as it was");
    }

    // ---- helpers

    /** {@code pgmanager fork} of the source's member {@code id} through its store, as a new machine runs it. */
    private static String[] storeFork(String id, String name, Path data) {
        return new String[] {"fork", "--from", id, "--cluster", name, "--store", source.file.storeConnectString(),
            "--source-cluster", source.file.app(), "--dns-server", dnsServer(), "--data-dir", data.toString()};
    }

    /** The source's own DNS server, the only one that knows its members' names. */
    private static String dnsServer() {
        return "127.0.0.1:" + source.file.dnsPort();
    }

    /** The timeline the server writes WAL on now (a primary's). */
    private static long timeline(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            return Long.parseLong(single(s, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16);
        }
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    /** The new cluster, to be torn down by the caller; fails unless the fork succeeded. */
    private static LocalClusterHarness adopt(Path dir, CommandRun fork) throws IOException {
        if (!Files.exists(dir.resolve("cluster.json"))) {
            deleteTree(dir);
            throw new AssertionError("no cluster was created (exit " + fork.exit() + "): " + fork.err());
        }
        LocalClusterHarness forked = LocalClusterHarness.adopt(dir);
        if (fork.exit() != 0) {
            forked.close();
            throw new AssertionError("fork exited with " + fork.exit() + ": " + fork.err());
        }
        return forked;
    }

    private static Path newDirectory() throws IOException {
        Path dir = Files.createTempDirectory("pgmanager-fork-");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static Connection connect(String hosts, String database, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("targetServerType", "primary");
        return DriverManager.getConnection("jdbc:postgresql://" + hosts + "/" + database, p);
    }

    private static Connection connectAsSuperuser(String database) throws SQLException {
        return connect(String.join(",", source.hostPorts()), database, "postgres", source.file.superuserPassword());
    }

    private static String single(Statement s, String query) throws SQLException {
        try (ResultSet r = s.executeQuery(query)) {
            assertTrue(r.next(), query);
            return r.getString(1);
        }
    }

    private static long count(LocalClusterHarness cluster, String member, String table) {
        try (Connection c = cluster.connect(member); Statement s = c.createStatement()) {
            return Long.parseLong(single(s, "SELECT count(*) FROM " + table));
        } catch (SQLException e) {
            return -1;
        }
    }

    private static boolean tableExists(LocalClusterHarness cluster, String member, String table) throws SQLException {
        try (Connection c = cluster.connect(member); Statement s = c.createStatement()) {
            return single(s, "SELECT to_regclass('" + table + "') IS NOT NULL").equals("t");
        }
    }

    private static Set<String> slots(String member) throws SQLException {
        return slots(source, member);
    }

    private static Set<String> slots(LocalClusterHarness cluster, String member) throws SQLException {
        Set<String> names = new java.util.TreeSet<>();
        try (Connection c = cluster.connect(member); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT slot_name FROM pg_replication_slots")) {
            while (r.next()) names.add(r.getString(1));
        }
        return names;
    }

    /** The server's configuration files in the member's data directory, by name. */
    private static Map<String, String> configFiles(String member) throws IOException {
        Path data = source.memberDir(member).resolve("data");
        Map<String, String> files = new TreeMap<>();
        for (String name : List.of("postgresql.conf", "postgresql.auto.conf", "pgmanager.conf", "pgmanager-upstream.conf",
                "pg_hba.conf", "standby.signal")) {
            Path file = data.resolve(name);
            files.put(name, Files.exists(file) ? Files.readString(file) : "(missing)");
        }
        return files;
    }

    /** Every file's path, size and content hash under {@code dir}. */
    private static String digest(Path dir) throws Exception {
        List<String> entries = new ArrayList<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted().toList()) {
                String hash = Files.isRegularFile(p) ? HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))) : "dir";
                entries.add(dir.relativize(p) + " " + hash);
            }
        }
        return entries.stream().collect(Collectors.joining("\n"));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
