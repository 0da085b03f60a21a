package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.ha.Decider;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.platform.dns.RegistryFile;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code pgmanager doctor}, {@code reinit} and {@code rejoin} on one real local cluster: each fault is planted in turn,
 * the doctor must name it with a fix, and running that fix must heal the cluster before the next fault is planted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class DoctorTest {
    private static final Duration HEAL = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PSQL_FIX = Pattern.compile("^psql \"[^\"]*\" -c \"(.*)\"$");

    private LocalClusterHarness harness;
    private String dir;

    @BeforeAll
    void startCluster() throws IOException {
        harness = LocalClusterHarness.up(3);
        dir = harness.cluster.dir().toAbsolutePath().normalize().toString();
    }

    @AfterAll
    void stopCluster() throws IOException {
        if (harness != null) harness.close();
    }

    @Test
    @Order(1)
    void aHealthyClusterHasOnlyOkFindingsButForItsMissingBackups() {
        harness.awaitHealthy(HEAL);
        Await.until(HEAL, "a healthy doctor report", () -> doctor().healthy());
        Doctor report = doctor();
        for (String check : List.of("store", "lease", "member", "dns", "upstream", "timeline", "slots", "rewriter", "disk", "backups")) {
            assertTrue(report.findings().stream().anyMatch(f -> f.path("check").asText().equals(check)), check + " in " + report.out());
        }
        assertTrue(report.findings().stream().filter(f -> !Doctor.noBackups(f))
                .allMatch(f -> f.path("severity").asText().equals("ok") && f.path("fix").isNull()), report.out());
        // A local cluster has no bucket: its one warning, and the reason the exit code is 1.
        assertEquals(1, report.findings().stream().filter(Doctor::noBackups).count(), report.out());
        assertEquals(1, report.exit(), report.out());
    }

    @Test
    @Order(2)
    void aReplicaPinnedToAStaleLiteralAddressIsFoundAndRejoinRepointsIt() throws Exception {
        String leader = harness.leader();
        String replica = replicas().getFirst();
        String stale = LocalCluster.nextUnusedAddress(harness.currentFile());
        // paused, so that the sidecar's own retries (a rewind after 15 s without streaming) do not run meanwhile
        whilePaused(() -> {
            pinUpstream(replica, stale);
            rejoinRepointsAPinnedReplica(leader, replica, stale);
        });
        awaitFinding("upstream", replica, "ok");
    }

    private void pinUpstream(String replica, String address) throws SQLException {
        try (Connection c = harness.connect(replica); Statement s = c.createStatement()) {
            String conninfo = show(s, "primary_conninfo");
            String pinned = conninfo.replaceFirst("hostaddr=\\S+", "hostaddr=" + address);
            s.execute("ALTER SYSTEM SET primary_conninfo = '" + pinned.replace("'", "''") + "'");
            s.execute("SELECT pg_reload_conf()");
        }
    }

    private void rejoinRepointsAPinnedReplica(String leader, String replica, String stale) throws SQLException {
        JsonNode finding = awaitFinding("upstream", replica, "critical");
        assertTrue(finding.path("message").asText().contains(stale), finding.toString());
        assertTrue(finding.path("message").asText().contains("ALTER SYSTEM"), finding.toString());
        assertEquals("pgmanager rejoin " + replica + " --dir " + dir, finding.path("fix").asText());

        CommandRun fix = runFix(finding);
        assertEquals(0, fix.exit(), fix.err() + harness.sidecarWarnings());
        String leaderAddress = dnsAddress(leader);
        Await.until(HEAL, replica + " streams from the leader's address in DNS", () -> streamsFrom(replica, leaderAddress));
        try (Connection c = harness.connect(replica); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sourcefile FROM pg_settings WHERE name = 'primary_conninfo'")) {
            r.next();
            assertTrue(r.getString(1).endsWith("pgmanager-upstream.conf"), "no longer pinned: " + r.getString(1));
        }
    }

    @Test
    @Order(3)
    void anOrphanedSlotHoldingWalIsFoundAndTheSuggestedSqlDropsIt() throws Exception {
        String leader = harness.leader();
        String orphan = "orphan_doctor_test";
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_physical_replication_slot('" + orphan + "', true)");
            s.execute("CREATE TABLE IF NOT EXISTS doctor_wal (n int)");
            s.execute("INSERT INTO doctor_wal SELECT generate_series(1, 1000)");
            s.execute("SELECT pg_switch_wal()");
        }

        JsonNode finding = awaitFinding("slots", orphan, "warning");
        assertTrue(finding.path("message").asText().matches(".*holds [1-9][0-9]* bytes of WAL.*"), finding.toString());
        runFix(finding);
        assertFalse(slotExists(leader, orphan), "the orphaned slot is dropped");
        Await.until(HEAL, "no finding about " + orphan, () -> doctor().about("slots", orphan).isEmpty());
    }

    @Test
    @Order(4)
    void aMissingSlotIsFoundAndTheSuggestedSqlRecreatesIt() throws Exception {
        String leader = harness.leader();
        String replica = replicas().getLast();
        whilePaused(() -> {
            dropSlotUnderAStreamingReplica(leader, replica);
            JsonNode finding = awaitFinding("slots", replica, "critical");
            assertTrue(finding.path("fix").asText().startsWith("psql \"host="), finding.toString());
            runFix(finding);
            assertTrue(slotExists(leader, replica), "the slot is back");
            Await.untilAnswered(HEAL, replica + " streams through its slot again", () -> harness.receiverStreaming(replica));
            awaitFinding("slots", replica, "ok");
        });
    }

    @Test
    @Order(5)
    void aReplicaOnADivergedTimelineIsFoundAndRejoinRewindsIt() throws Exception {
        String leader = harness.leader();
        String replica = replicas().getFirst();
        whilePaused(() -> {
            try (Connection c = harness.connect(replica); Statement s = c.createStatement()) {
                s.execute("SELECT pg_promote()");
                s.execute("CREATE TABLE diverged_writes (n int)");
            }
            JsonNode finding = awaitFinding("timeline", replica, "critical");
            assertTrue(finding.path("message").asText().contains("diverged"), finding.toString());
            assertEquals("pgmanager rejoin " + replica + " --dir " + dir, finding.path("fix").asText());
            assertEquals("critical", doctor().about("lease", replica).getFirst().path("severity").asText(),
                    "a primary without the lease is named too");

            CommandRun fix = runFix(finding);
            assertEquals(0, fix.exit(), fix.err() + harness.sidecarWarnings());
            assertTrue(fix.out().contains("rewound"), fix.out());
            Await.untilAnswered(HEAL, replica + " streams on the leader's timeline again",
                    () -> harness.receiverStreaming(replica) && timeline(replica) == timeline(leader));
            try (Connection c = harness.connect(replica); Statement s = c.createStatement()) {
                assertTrue(bool(s, "SELECT pg_is_in_recovery()"), "a replica again");
                assertFalse(bool(s, "SELECT to_regclass('diverged_writes') IS NOT NULL"), "its diverged writes are rewound away");
            }
            awaitFinding("timeline", replica, "ok");
        });
    }

    @Test
    @Order(6)
    void aRejoinWhosePgRewindFailsLeavesTheMemberStoppedWithItsDataAndReinitHealsIt() throws Exception {
        String leader = harness.leader();
        String replica = replicas().getFirst();
        Path data = LocalLayout.of(harness.cluster.dir()).memberData(replica);
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE rejoin_rows (n int)");
            s.execute("INSERT INTO rejoin_rows SELECT generate_series(1, 100)");
        }
        String systemIdentifier = systemIdentifier(leader);
        // pg_rewind refuses a source without full_page_writes (it could copy torn pages from it): a real failure that
        // happens before pg_rewind touches the target, and that no retry of the sidecar's can get past.
        setFullPageWritesOnLeader(leader, false);
        JsonNode finding;
        try {
            CommandRun run = CommandRun.of("rejoin", replica, "--dir", dir);

            assertEquals(1, run.exit(), run.out() + run.err());
            assertTrue(run.err().contains("pg_rewind from " + leader + " failed"), run.err());
            assertTrue(run.err().contains("full_page_writes must be enabled in the source server"), "pg_rewind's reason: " + run.err());
            assertTrue(run.err().contains("pgmanager reinit " + replica), run.err());

            Await.until(HEAL, replica + "'s record says why it is stopped",
                    () -> harness.member(replica).state().equals(MemberState.STOPPED_AFTER_FAILED_REWIND.word()));
            // Within this time every pass of the sidecar's loop would start the server (or rewind and re-clone it).
            assertHoldsFor(LocalClusterHarness.LOOP_WAIT.multipliedBy(5), replica + " stays stopped with its data in place",
                    () -> !acceptsConnections(replica)
                            && harness.member(replica).state().equals(MemberState.STOPPED_AFTER_FAILED_REWIND.word())
                            && Files.exists(data.resolve("PG_VERSION")) && movedAside(data).isEmpty());
            assertEquals(systemIdentifier, controlDataSystemIdentifier(data), "the data directory still holds the cluster's data");
            String decision = lastDecision(replica);
            assertTrue(decision.contains("left stopped") && decision.contains("pgmanager reinit " + replica), decision);

            CommandRun restart = CommandRun.of("restart", replica, "--dir", dir);
            assertEquals(1, restart.exit(), "a restart would start data pg_rewind may have left half-rewound: " + restart.out());
            assertTrue(restart.err().contains("pgmanager reinit " + replica), restart.err());
            assertFalse(acceptsConnections(replica), replica + " is still stopped");

            assertEquals(leader, harness.leader(), "the leader stays");
            assertEquals(1, harness.status().members().stream().filter(m -> m.role().equals("primary")).count(),
                    "exactly one primary: " + harness.status().summary());
            try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
                s.execute("INSERT INTO rejoin_rows SELECT generate_series(101, 200)");
            }
            assertEquals(200, rows(leader, "rejoin_rows"), "the leader keeps every row and takes writes");

            finding = awaitFinding("member", replica, "critical");
            assertTrue(finding.path("message").asText().contains("pg_rewind failed"), finding.toString());
            assertEquals("pgmanager reinit " + replica + " --dir " + dir, finding.path("fix").asText());
        } finally {
            setFullPageWritesOnLeader(leader, true);
        }

        CommandRun reinit = runFix(finding);

        assertEquals(0, reinit.exit(), reinit.out() + reinit.err() + harness.sidecarWarnings());
        Path aside = asidePath(reinit.out(), "kept at ");
        assertTrue(Files.exists(aside.resolve("PG_VERSION")), "the old data is kept aside: " + aside);
        assertEquals(systemIdentifier, controlDataSystemIdentifier(aside), "the old data moved aside whole");
        Await.untilAnswered(HEAL, replica + " streams from the leader and has the rows written before and after the failed rejoin",
                () -> harness.receiverStreaming(replica) && rows(replica, "rejoin_rows") == 200);
        harness.awaitHealthy(HEAL);
        awaitFinding("member", replica, "ok");
    }

    @Test
    @Order(7)
    void aMemberWithoutADnsAnswerIsFoundAndLocalStartRestoresIt() throws Exception {
        String replica = replicas().getLast();
        Path registry = LocalLayout.of(harness.cluster.dir()).registry();
        RegistryFile before = RegistryFile.read(registry);
        Map<String, RegistryFile.Member> members = new LinkedHashMap<>(before.members());
        members.remove(replica);
        new RegistryFile(before.app(), before.ttlSeconds(), members).write(registry);

        JsonNode finding = awaitFinding("dns", replica, "critical");
        assertTrue(finding.path("message").asText().contains("has no DNS answer"), finding.toString());
        assertEquals("pgmanager local start " + replica + " --dir " + dir, finding.path("fix").asText());
        CommandRun fix = runFix(finding);
        assertEquals(0, fix.exit(), fix.err() + harness.sidecarWarnings());
        Await.until(HEAL, replica + " resolves again", () -> resolver().resolve(MachineId.of(replica)).isPresent());
        awaitFinding("dns", replica, "ok");
    }

    @Test
    @Order(8)
    void reinitReclonesFromTheLeaderAndKeepsTheOldDataAside() throws Exception {
        String leader = harness.leader();
        String replica = replicas().getFirst();
        try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS reinit_rows (n int)");
            s.execute("INSERT INTO reinit_rows VALUES (1)");
        }
        CommandRun run = CommandRun.of("reinit", replica, "--dir", dir);

        assertEquals(0, run.exit(), run.err());
        Path aside = asidePath(run.out(), "kept at ");
        assertTrue(Files.exists(aside.resolve("PG_VERSION")), "the old data is still there: " + aside);
        Await.untilAnswered(HEAL, "the re-cloned replica streams and serves the leader's rows",
                () -> harness.receiverStreaming(replica) && rows(replica, "reinit_rows") == 1);
    }

    @Test
    @Order(9)
    void reinitWithDiscardOldDeletesTheOldDataAndSaysSo() throws Exception {
        String replica = replicas().getFirst();
        CommandRun run = CommandRun.of("reinit", replica, "--discard-old", "--dir", dir);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("was deleted, as --discard-old asked"), run.out());
        Path aside = asidePath(run.out(), "moved to ");
        assertFalse(Files.exists(aside), "the old data is gone: " + aside);
        Await.untilAnswered(HEAL, "the re-cloned replica streams", () -> harness.receiverStreaming(replica) && rows(replica, "reinit_rows") == 1);
    }

    @Test
    @Order(10)
    void rejoinOfTheLeaderIsRefusedWithTheReason() {
        String leader = harness.leader();
        CommandRun run = CommandRun.of("rejoin", leader, "--dir", dir);

        assertEquals(1, run.exit(), run.out());
        assertTrue(run.err().contains(leader + " leads the cluster"), run.err());
    }

    @Test
    @Order(10)
    void aReplicaThatNoRewindCanHelpIsRewoundOnceInFifteenSecondsNotInALoop() throws Exception {
        String leader = harness.awaitHealthy(HEAL).leader();
        String replica = replicas().getFirst();
        String stale = LocalCluster.nextUnusedAddress(harness.currentFile());
        Path log = harness.memberDir(replica).resolve("sidecar.log");
        long before = rewinds(log);
        // Not paused: the sidecar retries on its own, rewinding after 15 s without streaming, which cannot help here.
        pinUpstream(replica, stale);
        Duration watched = Decider.REWIND_AFTER_NOT_STREAMING.plusSeconds(8);
        Thread.sleep(watched.toMillis());
        long rewound = rewinds(log) - before;
        assertTrue(rewound >= 1 && rewound <= 2, replica + " rewound " + rewound + " times in " + watched.toSeconds()
                + " s: once per 15 s without streaming since its server's start, not in a loop");
        whilePaused(() -> rejoinRepointsAPinnedReplica(leader, replica, stale));
    }

    private static long rewinds(Path sidecarLog) throws IOException {
        try (var lines = Files.lines(sidecarLog)) {
            return lines.filter(l -> l.contains("although it runs: assuming our histories diverged, rewinding")).count();
        }
    }

    @Test
    @Order(11)
    void aFailoverToALaggingReplicaIsRefusedWithTheBytesItWouldLoseAndNothingMoves() throws Exception {
        String leader = harness.awaitHealthy(HEAL).leader();
        String replica = harness.machineIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        long receiver;
        try (Connection c = harness.connect(replica); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pid FROM pg_stat_wal_receiver")) {
            assertTrue(r.next(), replica + " has a WAL receiver");
            receiver = r.getLong(1);
        }
        // A frozen WAL receiver holds the replica's received position while the leader writes on.
        LocalClusterHarness.signal("-STOP", receiver);
        try {
            try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE lagging_failover AS SELECT n, repeat('x', 100) AS pad FROM generate_series(1, 40000) n");
            }
            Pattern refusal = Pattern.compile("refusing the failover to " + replica + ": " + leader + " leads and is healthy: a "
                    + "failover would not wait for " + replica + " to catch up \\((\\d+) bytes.* behind " + leader + ", as their "
                    + "records last said\\)");
            CommandRun[] refused = new CommandRun[1];
            Await.until(HEAL, "a refusal that counts the bytes the replica lacks", () -> {
                refused[0] = CommandRun.of("failover", "--to", replica, "--dir", dir);
                Matcher m = refusal.matcher(refused[0].err());
                return refused[0].exit() == 1 && m.find() && Long.parseLong(m.group(1)) > 4_000_000;
            });
            try (var store = harness.store()) {
                assertTrue(store.read().handover().isEmpty(), "nothing was filed: " + refused[0].err());
            }
        } finally {
            LocalClusterHarness.signal("-CONT", receiver);
        }
        assertEquals(leader, harness.awaitHealthy(HEAL).leader());
        Await.until(HEAL, replica + " has every row", () -> {
            try (Connection c = harness.connect(replica); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT count(*) FROM lagging_failover")) {
                return r.next() && r.getLong(1) == 40000;
            } catch (SQLException e) {
                return false;
            }
        });
    }

    @Test
    @Order(12)
    void aStoppedStoreIsFoundWhileTheMembersAreStillExaminedAndLocalUpRestartsIt() throws Exception {
        LocalLayout layout = LocalLayout.of(harness.cluster.dir());
        ProcessHandle platform = LocalProcesses.running(layout.platformPid(), dir).orElseThrow();
        platform.destroyForcibly();
        LocalProcesses.waitForExit(platform, Duration.ofSeconds(10));

        Doctor report = doctor();
        assertEquals(1, report.exit(), "findings, not could-not-run: the members answer; " + report.out());
        JsonNode store = report.about("store", "local").getFirst();
        assertEquals("critical", store.path("severity").asText(), store.toString());
        assertEquals("pgmanager local up --dir " + dir, store.path("fix").asText());
        assertFalse(report.about("member", harness.machineIds().getFirst()).isEmpty(), "members examined: " + report.out());

        CommandRun fix = runFix(store);
        assertEquals(0, fix.exit(), fix.err() + harness.sidecarWarnings());
        Await.until(HEAL, "a healthy doctor report", () -> doctor().healthy());
    }

    @Test
    @Order(13)
    void withNeitherStoreNorMembersTheDoctorCouldNotRun() {
        CommandRun run = CommandRun.of("doctor", "--store", "127.0.0.1:" + FreePorts.pick(), "--cluster", "nowhere", "-o", "json");

        assertEquals(2, run.exit(), run.out());
        assertTrue(run.out().contains("\"status\" : \"could_not_run\""), run.out());
    }

    // ---- helpers

    private record Doctor(int exit, String out, List<JsonNode> findings) {
        List<JsonNode> about(String check, String subject) {
            return findings.stream().filter(f -> f.path("check").asText().equals(check) && f.path("subject").asText().equals(subject))
                    .toList();
        }

        /** Every finding ok but the warning that the cluster has no backups: a local cluster has no bucket. */
        boolean healthy() {
            return findings.stream().allMatch(f -> f.path("severity").asText().equals("ok") || noBackups(f));
        }

        static boolean noBackups(JsonNode finding) {
            return finding.path("check").asText().equals("backups") && finding.path("severity").asText().equals("warning")
                    && finding.path("message").asText().startsWith("no backups:");
        }
    }

    private Doctor doctor() {
        CommandRun run = CommandRun.of("doctor", "--dir", dir, "-o", "json");
        try {
            JsonNode json = JSON.readTree(run.out());
            List<JsonNode> findings = new ArrayList<>();
            json.path("findings").forEach(findings::add);
            assertEquals(run.exit(), json.path("exit_code").asInt(), "the exit code is in the JSON too");
            return new Doctor(run.exit(), run.out(), findings);
        } catch (IOException e) {
            throw new AssertionError("doctor printed no JSON: " + run.out() + run.err(), e);
        }
    }

    /** Waits for the doctor to report exactly one finding of {@code severity} from {@code check} about {@code subject}. */
    private JsonNode awaitFinding(String check, String subject, String severity) {
        JsonNode[] found = new JsonNode[1];
        Await.until(HEAL, severity + " " + check + " finding about " + subject, () -> {
            List<JsonNode> about = doctor().about(check, subject);
            found[0] = about.size() == 1 && about.getFirst().path("severity").asText().equals(severity) ? about.getFirst() : null;
            return found[0] != null;
        });
        return found[0];
    }

    /** Runs a fix as an operator would: a pgmanager command line, or the SQL of a psql command on the leader. */
    private CommandRun runFix(JsonNode finding) throws SQLException {
        String fix = finding.path("fix").asText();
        if (fix.startsWith("pgmanager ")) {
            return CommandRun.of(fix.substring("pgmanager ".length()).split(" "));
        }
        Matcher psql = PSQL_FIX.matcher(fix);
        assertTrue(psql.matches(), "a fix that is a pgmanager or psql command: " + fix);
        try (Connection c = harness.connect(harness.leader()); Statement s = c.createStatement()) {
            s.execute(psql.group(1));
        }
        return new CommandRun(0, "", "");
    }

    private List<String> replicas() {
        String leader = harness.leader();
        return harness.machineIds().stream().filter(id -> !id.equals(leader)).toList();
    }

    private void pause() {
        assertEquals(0, CommandRun.of("pause", "--dir", dir).exit());
    }

    private void resume() {
        assertEquals(0, CommandRun.of("resume", "--dir", dir).exit());
        harness.awaitHealthy(HEAL);
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} with the cluster paused, then resumes it; a step's failure is reported, not the resume's after it. */
    private void whilePaused(Step step) throws Exception {
        pause();
        try {
            step.run();
        } catch (Exception | AssertionError failure) {
            try {
                resume();
            } catch (RuntimeException | AssertionError alsoFailed) {
                failure.addSuppressed(alsoFailed);
            }
            throw failure;
        }
        resume();
    }

    private DnsAddressResolver resolver() {
        return new DnsAddressResolver(DnsSettings.forApp(harness.file.app())
                .withServers(List.of(new InetSocketAddress("127.0.0.1", harness.file.dnsPort()))));
    }

    private String dnsAddress(String machineId) {
        return resolver().resolve(MachineId.of(machineId)).map(AddressText::of).orElseThrow();
    }

    /** The replica's WAL receiver streams, connected to {@code address} (the hostaddr of the conninfo it really uses). */
    private boolean streamsFrom(String replica, String address) {
        try (Connection c = harness.connect(replica); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT status, conninfo FROM pg_stat_wal_receiver")) {
            if (!r.next() || !"streaming".equals(r.getString(1))) return false;
            Matcher m = Pattern.compile("hostaddr=(\\S+)").matcher(r.getString(2));
            return m.find() && AddressText.same(m.group(1), address);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * A slot in use cannot be dropped: end the replica's WAL sender and drop the slot before it reconnects (it retries
     * every few seconds).
     */
    private void dropSlotUnderAStreamingReplica(String leader, String replica) {
        Await.until(HEAL, "the slot of " + replica + " dropped", () -> {
            try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + replica
                        + "' AND active_pid IS NOT NULL");
                s.execute("SELECT pg_sleep(0.1)");
                s.execute("SELECT pg_drop_replication_slot('" + replica + "')");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
    }

    private boolean slotExists(String member, String slot) throws SQLException {
        try (Connection c = harness.connect(member);
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, slot);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1) == 1;
            }
        }
    }

    /** Sets full_page_writes on the leader as an operator would (ALTER SYSTEM), and waits until new sessions see it. */
    private void setFullPageWritesOnLeader(String leader, boolean on) {
        String wanted = on ? "on" : "off";
        // Also from a finally block, where a failure would hide the test's own: a leader starting up is waited for.
        Await.until(HEAL, "ALTER SYSTEM of full_page_writes " + wanted + " on " + leader, () -> {
            try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
                s.execute(on ? "ALTER SYSTEM RESET full_page_writes" : "ALTER SYSTEM SET full_page_writes = off");
                s.execute("SELECT pg_reload_conf()");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        Await.until(HEAL, "full_page_writes " + wanted + " on " + leader, () -> {
            try (Connection c = harness.connect(leader); Statement s = c.createStatement()) {
                return show(s, "full_page_writes").equals(wanted);
            } catch (SQLException e) {
                return false;
            }
        });
    }

    /** Fails as soon as {@code condition} is false at any check during {@code period}. */
    private static void assertHoldsFor(Duration period, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + period.toNanos();
        do {
            assertTrue(condition.getAsBoolean(), what + " (throughout " + period + ")");
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while checking that " + what, e);
            }
        } while (System.nanoTime() < end);
    }

    private boolean acceptsConnections(String member) {
        try (Connection c = harness.connect(member)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Directories a re-clone would have moved {@code data} to ({@code <data>.aside-<time>}). */
    private static List<Path> movedAside(Path data) {
        try (var siblings = Files.list(data.getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(data.getFileName() + ".aside-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reason of the member's last control-loop decision, from its API ({@code GET /member}). */
    private String lastDecision(String member) throws IOException, InterruptedException {
        LocalClusterFile.LocalMember m = harness.currentFile().member(member).orElseThrow();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://" + new HostPort(m.address(), m.apiPort()) + "/member"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body()).path("last_decision").asText();
        }
    }

    private String systemIdentifier(String member) throws SQLException {
        try (Connection c = harness.connect(member); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
            r.next();
            return r.getString(1);
        }
    }

    /** The system identifier in a stopped server's control file, as pg_controldata reads it. */
    private static String controlDataSystemIdentifier(Path data) throws IOException, InterruptedException {
        ProcessBuilder controldata = new ProcessBuilder(PgBinaries.locate(Optional.empty()).tool("pg_controldata"), data.toString())
                .redirectErrorStream(true);
        // the labels in English, whatever the machine's locale
        controldata.environment().put("LC_ALL", "C");
        Process p = controldata.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Matcher m = Pattern.compile("Database system identifier:\\s*(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    private long timeline(String member) {
        try (Connection c = harness.connect(member); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver)
                               ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END""")) {
            return r.next() ? r.getLong(1) : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    private long rows(String member, String table) {
        try (Connection c = harness.connect(member); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet r = s.executeQuery("SHOW " + setting)) {
            r.next();
            return r.getString(1);
        }
    }

    private static boolean bool(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getBoolean(1);
        }
    }

    /** The moved-aside directory a reinit's message names after {@code marker}. */
    private static Path asidePath(String message, String marker) {
        Matcher m = Pattern.compile(Pattern.quote(marker) + "(\\S+?\\.aside-\\S+?)[);]").matcher(message);
        assertTrue(m.find(), "names the moved-aside directory: " + message);
        return Path.of(m.group(1));
    }
}
