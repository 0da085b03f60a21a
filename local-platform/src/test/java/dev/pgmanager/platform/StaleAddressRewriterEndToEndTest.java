package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.ebpf.RewriterSettings;
import dev.pgmanager.ebpf.RewriterStatus;
import dev.pgmanager.ebpf.StaleAddressRewriter;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.Prerequisites;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The stale-address rewriter wired into a real two-member local cluster: after a member migrates, a client that kept
 * its old address still reaches its PostgreSQL while the rewriter is attached, and fails once it is detached; the
 * stale use is logged with the client's pid and command. The first member manages the cluster's rewriter (attached
 * to the cluster's own cgroup), so the client runs inside that cgroup. Needs root ({@link Prerequisites}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaleAddressRewriterEndToEndTest {
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(90);
    /** A sync every 10 s, and a pass of the loop to see it. */
    private static final Duration SYNC_BOUND = Duration.ofSeconds(30);

    private static LocalClusterHarness harness;
    private static String manager;
    private static String migrated;
    private static LocalMember beforeMigration;

    /** Starts the cluster as root only; each test requires root, so that a skip is reported per test, with why. */
    @BeforeAll
    static void bootstrap() throws Exception {
        if (!Prerequisites.root()) return;
        harness = LocalClusterHarness.up(2);
        manager = harness.file.members().get(0).machineId();
        migrated = harness.file.members().get(1).machineId();
    }

    @BeforeEach
    void requireRoot() {
        Prerequisites.require(Prerequisites.root(), "root (the rewriter attaches BPF programs to a cgroup)");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (harness == null) return;
        LocalRewriterScope scope = harness.cluster.rewriterScope();
        harness.close();
        assertFalse(Files.exists(scope.pinRoot()), "local down removes the pins");
        assertFalse(scope.cgroup().map(Files::exists).orElse(false), "local down removes the cluster's cgroup");
    }

    @Test
    @Order(1)
    void aClientThatKeptAMigratedMembersOldAddressStillReachesItsPostgres() throws Exception {
        harness.awaitHealthy(REJOIN_BOUND);
        beforeMigration = harness.currentFile().member(migrated).orElseThrow();
        harness.cluster.migrate(migrated, Duration.ZERO, System.err);
        harness.awaitHealthy(REJOIN_BOUND);
        LocalMember after = harness.currentFile().member(migrated).orElseThrow();
        assertNotEquals(beforeMigration.address(), after.address());
        assertEquals(beforeMigration.pgPort(), after.pgPort(), "the migrated member kept its port (the rewriter keeps ports)");
        Await.until(SYNC_BOUND, "the managing member rewrites the old address", () -> rewriterOf(manager).path("entries").asInt() == 1);
        assertEquals("on", rewriterOf(manager).path("state").asText());

        Client client = psqlInClusterCgroup(beforeMigration.address(), beforeMigration.pgPort());
        assertEquals(0, client.exit(), "psql to the old address: " + client.output());
        assertEquals(after.address(), client.output().strip(), "the server that answered is the member at its new address");

        String report = "process " + client.pid() + " (psql) dialed " + migrated + "'s old address " + beforeMigration.address()
                + " (tcp port " + beforeMigration.pgPort() + "); rewritten to " + after.address();
        Await.until(SYNC_BOUND, "the stale use is logged", () -> sidecarLog(manager).contains(report));
        // the report's counters are read from the rewriter's maps when asked, a moment after the log line is written
        Await.until(SYNC_BOUND, "the report counts the stale use and the hit: " + rewriterOf(manager),
                () -> rewriterOf(manager).path("stale_uses").asLong() >= 1 && rewriterOf(manager).path("hits").asLong() >= 1);
        PrometheusText metrics = metricsOf(manager);
        assertEquals(1, metrics.value("pgmanager_rewriter_enabled", "reason", ""), metrics.samples.toString());
        assertTrue(metrics.value("pgmanager_rewriter_stale_uses_total") >= 1, metrics.samples.toString());
        assertTrue(metrics.value("pgmanager_rewriter_hits_total") >= 1, metrics.samples.toString());
    }

    @Test
    @Order(2)
    void withTheRewriterDetachedTheOldAddressFailsAndTheMemberSaysItIsOff() throws Exception {
        assertNotNull(beforeMigration, "runs after the migration of test 1");
        RewriterStatus pinned = StaleAddressRewriter.openPinned(
                new RewriterSettings(harness.cluster.rewriterScope().pinRoot(), Optional.empty()));
        if (!(pinned instanceof RewriterStatus.Running(var rewriter))) throw new AssertionError("not attached: " + pinned);
        rewriter.detach();  // what `pgmanager rewrite detach` does

        Client client = psqlInClusterCgroup(beforeMigration.address(), beforeMigration.pgPort());
        assertNotEquals(0, client.exit(), "nothing listens at the old address any more: " + client.output());
        Await.until(SYNC_BOUND, "the managing member reports its rewriter off", () -> rewriterOf(manager).path("state").asText().equals("off"));
        var enabled = metricsOf(manager).series("pgmanager_rewriter_enabled");
        assertTrue(enabled.size() == 1 && enabled.getFirst().value() == 0 && !enabled.getFirst().labels().get("reason").isEmpty(),
                enabled.toString());
        harness.awaitHealthy(REJOIN_BOUND);
    }

    @Test
    @Order(3)
    void aMemberWithAnImpossibleRewriterSettingReportsItOffAndOtherwiseWorks() throws Exception {
        Path config = harness.cluster.dir().resolve("members").resolve(migrated).resolve("pgmanager.yml");
        assertTrue(Files.exists(config), "member config at " + config);
        Path notBpffs = harness.cluster.dir().resolve("not-bpffs");
        String yaml = Files.readString(config, StandardCharsets.UTF_8);
        assertTrue(yaml.contains("rewriter:\n  enabled: false\n"), yaml);
        Files.writeString(config, yaml.replace("rewriter:\n  enabled: false\n", "rewriter:\n  enabled: true\n  pin_root: " + notBpffs + "\n"));
        harness.cluster.stop(migrated);
        harness.cluster.start(migrated);
        harness.awaitHealthy(REJOIN_BOUND);

        // the rewriter opens on a thread of its own: "opening" until it has tried
        Await.until(SYNC_BOUND, "the member reports its rewriter", () -> !rewriterOf(migrated).isMissingNode()
                && !rewriterOf(migrated).path("reason").asText().equals("opening"));
        JsonNode rewriter = rewriterOf(migrated);
        assertEquals("off", rewriter.path("state").asText(), rewriter.toString());
        assertTrue(rewriter.path("reason").asText().contains(notBpffs.toString()), rewriter.toString());
        assertTrue(sidecarLog(migrated).contains("stale-address rewriter off: " + rewriter.path("reason").asText()));
        System.out.println("refused: " + rewriter.path("reason").asText());
    }

    private record Client(long pid, int exit, String output) {}

    /** psql as a process in the cluster's cgroup: the shell moves itself there, then becomes psql (same pid). */
    private static Client psqlInClusterCgroup(String address, int port) throws Exception {
        Path cgroup = harness.cluster.rewriterScope().cgroup().orElseThrow();
        String psql = PgBinaries.locate(Optional.empty()).tool("psql");
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs")
                + " && exec " + psql + " -h " + address + " -p " + port + " -U postgres -d postgres -tAc 'select inet_server_addr()'")
                .redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", harness.file.superuserPassword());
        builder.environment().put("PGCONNECT_TIMEOUT", "3");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("psql did not finish: " + output);
        }
        return new Client(process.pid(), process.exitValue(), output);
    }

    private static JsonNode rewriterOf(String machineId) {
        LocalMember m = harness.currentFile().member(machineId).orElseThrow();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + new HostPort(m.address(), m.apiPort()) + "/member"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(response.body()).path("rewriter");
        } catch (IOException e) {
            return new ObjectMapper().missingNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The member's metrics; none when it cannot be scraped (it may be restarting). */
    private static PrometheusText metricsOf(String machineId) {
        try {
            return harness.metrics(machineId);
        } catch (java.io.UncheckedIOException e) {
            return PrometheusText.parse("");
        }
    }

    private static String sidecarLog(String machineId) {
        try {
            return Files.readString(harness.cluster.dir().resolve("members").resolve(machineId).resolve("sidecar.log"),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

}
