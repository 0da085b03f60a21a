package dev.pgmanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.Matcher;
import java.nio.file.Files;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fly.toml against the sidecar it deploys: the configuration a Fly machine gets (fly.toml's [env] plus what Fly and
 * the secrets provide) is loaded exactly as {@code pgmanager run} loads it, and every port, path and timeout in
 * fly.toml must match it.
 */
class FlyTomlTest {
    private static final Path FLY_TOML = Path.of("../fly.toml");
    /** Time a leader needs after its hand-over to stop PostgreSQL cleanly and release the lease. */
    private static final Duration CLEAN_STOP_MARGIN = Duration.ofSeconds(5);

    private static JsonNode fly;
    private static SidecarConfig sidecar;

    @BeforeAll
    static void load() throws IOException, ConfigException {
        fly = new TomlMapper().readTree(FLY_TOML.toFile());
        Map<String, String> environment = new HashMap<>();
        // the image's environment first (its ENV instruction), then fly.toml's, which win
        environment.putAll(imageEnvironment());
        fly.path("env").properties().forEach(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
        // what Fly sets on every machine, and the secrets the README tells the operator to set
        environment.putAll(Map.of("FLY_MACHINE_ID", "148e21ea7d5e89", "FLY_APP_NAME", fly.path("app").asText(),
                "FLY_REGION", fly.path("primary_region").asText(), "FLY_PRIVATE_IP", "fdaa:0:1:a7b:1b5:5d4f:7b1e:2",
                "SU_PASSWORD", "s", "REPL_PASSWORD", "r", "OPERATOR_PASSWORD", "o"));
        sidecar = SidecarConfigLoader.load(Optional.empty(), environment);
    }

    @Test
    void theStopSignalLeavesTimeForTheHandOver() {
        assertTrue(Set.of("SIGTERM", "SIGINT").contains(fly.path("kill_signal").asText()),
                "the sidecar hands over on SIGTERM or SIGINT, fly.toml sends " + fly.path("kill_signal"));
        Duration killTimeout = duration(fly.path("kill_timeout"));
        Duration needed = sidecar.ha().stopHandoverTimeout().plus(CLEAN_STOP_MARGIN);
        assertTrue(killTimeout.compareTo(needed) >= 0, "kill_timeout " + killTimeout + " must be at least "
                + "ha.stop_handover_timeout + " + CLEAN_STOP_MARGIN.toSeconds() + " s = " + needed);
    }

    @Test
    void theDataDirectoryIsOnTheVolume() {
        Path volume = Path.of(fly.path("mounts").path("destination").asText());
        assertTrue(sidecar.postgres().dataDir().startsWith(volume),
                "postgres.data_dir " + sidecar.postgres().dataDir() + " is not on the volume mounted at " + volume);
        assertEquals(Path.of("/data"), volume, "the image's WORKDIR and the README say /data");
    }

    @Test
    void machineChecksAreTheOnesFlyPgCreateGivesOnTheFlyctlApi() {
        Set<String> checks = new TreeSet<>();
        InetSocketAddress flyApi = sidecar.api().flyListen()
                .orElseThrow(() -> new AssertionError("the image must serve the flyctl API (PGMANAGER_FLY_API_LISTEN)"));
        assertEquals(5500, flyApi.getPort(), "flyctl dials port 5500");
        fly.path("checks").properties().forEach(check -> {
            JsonNode value = check.getValue();
            assertEquals("http", value.path("type").asText(), check.getKey());
            assertEquals(flyApi.getPort(), value.path("port").asInt(), check.getKey() + ": flyapi.listen port");
            assertEquals("/flycheck/" + check.getKey(), value.path("path").asText(), check.getKey());
            checks.add(check.getKey());
        });
        // flyctl finds the leader by the output of the check named role; /primary is no machine check: it fails on
        // replicas by design, and a failing check stops fly deploy
        assertEquals(Set.of("pg", "role", "vm"), checks);
    }

    @Test
    void aMachineOfFlyPgCreateHasAllItNeedsFromTheImageAndTheSecrets() {
        assertEquals("flypgadmin", sidecar.postgres().superuser(), "pgmanager's own superuser is not the operator's postgres");
        assertEquals(Optional.of("o"), sidecar.postgres().operatorPassword(), "OPERATOR_PASSWORD is the role postgres's password");
        assertTrue(sidecar.api().token().isPresent(), "an API token derived from SU_PASSWORD");
        assertEquals(StoreConfig.StoreMode.ENSEMBLE, sidecar.store().mode(), "no store to set: the members carry it");
    }

    /** The ENV instruction of the Dockerfile: {@code NAME=value} pairs, build arguments left as written. */
    static Map<String, String> imageEnvironment() throws IOException {
        String dockerfile = Files.readString(FLY_TOML.resolveSibling("Dockerfile"));
        Matcher env = Pattern.compile("(?m)^ENV ((?:.*\\\\\n)*.*)$").matcher(dockerfile.substring(dockerfile.lastIndexOf("\nFROM ")));
        Map<String, String> environment = new HashMap<>();
        while (env.find()) {
            for (String pair : env.group(1).replace("\\\n", " ").trim().split("\\s+")) {
                int eq = pair.indexOf('=');
                if (eq > 0) environment.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return environment;
    }

    @Test
    void port5432ReachesThePrimaryThroughTheRouterAnd5433EachMember() {
        InetSocketAddress router = sidecar.router().listen()
                .orElseThrow(() -> new AssertionError("fly.toml must turn the primary router on (PGMANAGER_ROUTER_LISTEN)"));
        assertEquals(5432, router.getPort());
        assertEquals(router.getPort(), service(5432).path("internal_port").asInt(), "service 5432 -> router.listen port");
        assertEquals(5433, sidecar.postgres().port());
        assertEquals(sidecar.postgres().port(), service(5433).path("internal_port").asInt(), "service 5433 -> postgres.port");
        assertTrue(router.getAddress().isAnyLocalAddress(), "the router must listen on every address: " + router);
    }

    @Test
    void metricsArePlainHttpOnTheSidecarsMetricsPort() {
        assertEquals(sidecar.metrics().listen().getPort(), fly.path("metrics").path("port").asInt(), "metrics.listen port");
        assertEquals("/metrics", fly.path("metrics").path("path").asText());
    }

    @Test
    void leadersComeFromThePrimaryRegion() {
        assertEquals(Optional.of(fly.path("primary_region").asText()), sidecar.primaryRegion());
        assertFalse(sidecar.failoverOutsidePrimaryRegion());
    }

    /** The service whose public port is {@code port}. */
    private static JsonNode service(int port) {
        List<JsonNode> matching = StreamSupport.stream(fly.path("services").spliterator(), false)
                .filter(service -> StreamSupport.stream(service.path("ports").spliterator(), false)
                        .anyMatch(p -> p.path("port").asInt() == port))
                .toList();
        assertEquals(1, matching.size(), "exactly one service on port " + port);
        return matching.getFirst();
    }

    /** Fly takes kill_timeout as seconds or as a duration string ("30s"). */
    private static Duration duration(JsonNode value) {
        return value.isNumber() ? Duration.ofSeconds(value.asLong()) : Durations.parse(value.asText());
    }
}
