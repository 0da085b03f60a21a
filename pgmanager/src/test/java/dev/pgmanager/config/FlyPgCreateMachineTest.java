package dev.pgmanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The machine {@code fly pg create --image-ref} makes (flyctl's flypg/launcher.go, getPostgresConfig and setSecrets):
 * only PRIMARY_REGION in its environment, flyctl's secrets, the checks pg, role and vm on port 5500, metrics on 9187,
 * services 5432 and 5433, the volume at /data. With the image's own environment, that is all a member needs.
 */
class FlyPgCreateMachineTest {
    /** launcher.go: Metrics{Path: "/metrics", Port: 9187}; the checks' port; the services' internal ports. */
    private static final int METRICS_PORT = 9187;
    private static final int CHECKS_PORT = 5500;
    private static final int BOUNCER_PORT = 5432;
    private static final int PG_PORT = 5433;

    private static Map<String, String> machine(Map<String, String> extra) throws Exception {
        Map<String, String> environment = new HashMap<>(FlyTomlTest.imageEnvironment());
        // what Fly sets on every machine
        environment.putAll(Map.of("FLY_MACHINE_ID", "148e21ea7d5e89", "FLY_APP_NAME", "my-db", "FLY_REGION", "ams",
                "FLY_PRIVATE_IP", "fdaa:0:1:a7b:1b5:5d4f:7b1e:2"));
        // getPostgresConfig's only variable
        environment.put("PRIMARY_REGION", "ams");
        // setSecrets, flex path
        environment.putAll(Map.of("SU_PASSWORD", "su-15-chars-xyz", "REPL_PASSWORD", "repl-15-chars-x",
                "OPERATOR_PASSWORD", "op-15-chars-xyz", "FLY_CONSUL_URL", "https://:token@consul.fly.io/my-db-xyz",
                "SSH_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----", "SSH_CERT", "ssh-ed25519-cert-v01@openssh.com AAAA"));
        environment.putAll(extra);
        return environment;
    }

    @Test
    void aMachineOfFlyPgCreateRunsAsAMemberOfItsOwnCluster() throws Exception {
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(), machine(Map.of()));
        assertEquals("my-db", config.app());
        assertEquals(StoreConfig.StoreMode.ENSEMBLE, config.store().mode(), "flyctl sets no store: the members carry it");
        assertEquals(CHECKS_PORT, config.api().flyListen().orElseThrow().getPort(), "the checks and flyctl's API");
        assertTrue(config.api().flyListen().orElseThrow().getAddress().isAnyLocalAddress());
        assertEquals(BOUNCER_PORT, config.router().listen().orElseThrow().getPort(), "service 5432 reaches the router");
        assertEquals(PG_PORT, config.postgres().port(), "service 5433 reaches PostgreSQL");
        assertEquals(METRICS_PORT, config.metrics().listen().getPort());
        assertTrue(config.postgres().dataDir().startsWith("/data"), "the volume pg_data is mounted at /data");
        assertEquals("flypgadmin", config.postgres().superuser());
        assertEquals("su-15-chars-xyz", config.postgres().superuserPassword());
        assertEquals(Optional.of("op-15-chars-xyz"), config.postgres().operatorPassword(), "fly pg create prints it for postgres");
        assertEquals("repl-15-chars-x", config.postgres().replicationPassword());
        assertEquals(Optional.of(ApiToken.derive("my-db", "su-15-chars-xyz")), config.api().token());
        assertEquals(Optional.of("ams"), config.primaryRegion());
        assertEquals(Optional.empty(), config.postgres().restoredFrom());
    }

    @Test
    void aForkedMachineKnowsItWasRestored() throws Exception {
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(), machine(Map.of("FLY_RESTORED_FROM", "vol_4wkp8xv0n3k1m2zy")));
        assertEquals(Optional.of("vol_4wkp8xv0n3k1m2zy"), config.postgres().restoredFrom());
    }
}
