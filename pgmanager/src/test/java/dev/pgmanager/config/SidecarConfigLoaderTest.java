package dev.pgmanager.config;

import dev.pgmanager.postgres.WalSegmentSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SidecarConfigLoaderTest {
    private static final String SUPERUSER_SECRET = "su-Secret-4711";
    private static final String REPLICATION_SECRET = "repl-Secret-0815";
    private static final String API_SECRET = "api-Secret-2342";
    private static final String OPERATOR_SECRET = "operator-Secret-777";

    @TempDir
    Path directory;

    /** What a Fly machine has in its environment, plus the store and the two passwords. */
    private static Map<String, String> flyEnvironment() {
        Map<String, String> environment = new HashMap<>();
        environment.put("FLY_MACHINE_ID", "148e21ea7d5e89");
        environment.put("FLY_APP_NAME", "my-db");
        environment.put("FLY_REGION", "ams");
        environment.put("FLY_PRIVATE_IP", "fdaa:0:1:a7b:1b5:5d4f:7b1e:2");
        environment.put("PGMANAGER_STORE", "zk1.internal:2181,zk2.internal:2181");
        environment.put("SU_PASSWORD", SUPERUSER_SECRET);
        environment.put("REPL_PASSWORD", REPLICATION_SECRET);
        return environment;
    }

    private static Map<String, String> with(Map<String, String> environment, String... keysAndValues) {
        Map<String, String> changed = new HashMap<>(environment);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] == null) {
                changed.remove(keysAndValues[i]);
            } else {
                changed.put(keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        return changed;
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(directory.resolve(name), content);
    }

    private static ConfigException rejected(Optional<Path> file, Map<String, String> environment) {
        return assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(file, environment));
    }

    private static ConfigException rejected(Map<String, String> environment) {
        return rejected(Optional.empty(), environment);
    }

    private static void assertMentions(ConfigException error, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(error.getMessage().contains(fragment), () -> "'" + fragment + "' not in: " + error.getMessage());
        }
    }

    @Test
    void flyEnvironmentAloneGivesAWorkingConfigWithDefaults() throws Exception {
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(), flyEnvironment());

        assertEquals("148e21ea7d5e89", config.machineId());
        assertEquals("my-db", config.app());
        assertEquals("ams", config.region());
        assertEquals(Optional.empty(), config.primaryRegion());
        assertFalse(config.failoverOutsidePrimaryRegion());
        assertTrue(config.regionAllowsLeadership());
        assertEquals(Optional.of(InetAddress.getByName("fdaa:0:1:a7b:1b5:5d4f:7b1e:2")), config.address());
        assertEquals(new StoreConfig("zk1.internal:2181,zk2.internal:2181", Duration.ofMillis(1600), Duration.ofSeconds(15),
                        StoreSecret.derive("my-db", SUPERUSER_SECRET)),
                config.store());
        assertEquals(StoreConfig.DEFAULT_SESSION_TIMEOUT, config.store().sessionTimeout(), "the constant is the default applied");

        PostgresConfig postgres = config.postgres();
        assertEquals(Path.of("/data/postgresql"), postgres.dataDir());
        assertEquals(Optional.empty(), postgres.binDir());
        assertEquals("*", postgres.listenAddress());
        assertEquals(5433, postgres.port());
        assertEquals(Path.of("/var/run/postgresql"), postgres.socketDir());
        assertEquals("postgres", postgres.osUser());
        assertEquals(Map.of(), postgres.parameters());
        assertEquals("postgres", postgres.superuser());
        assertEquals(SUPERUSER_SECRET, postgres.superuserPassword());
        assertEquals("repluser", postgres.replicationUser());
        assertEquals(REPLICATION_SECRET, postgres.replicationPassword());
        assertEquals(List.of("fdaa::/16", "127.0.0.1/32", "::1/128"), postgres.allowedNetworks());

        assertEquals(new HaConfig(Duration.ofSeconds(1), 16L << 20, Duration.ofMinutes(30), false, 0, Duration.ofSeconds(20), MigrationVerification.FULL, dev.pgmanager.ha.SynchronousSettings.OFF, false, false, true, AutogroupScheduling.AUTO), config.ha());

        assertTrue(config.api().listen().getAddress().isAnyLocalAddress());
        assertTrue(config.api().listen().getAddress() instanceof java.net.Inet6Address);
        assertEquals(8008, config.api().listen().getPort());
        assertEquals(Optional.of(ApiToken.derive("my-db", SUPERUSER_SECRET)), config.api().token());
        assertEquals(Optional.empty(), config.api().flyListen());
        assertEquals("peers", config.api().flyAdminFrom());
        assertEquals(Optional.empty(), postgres.operatorPassword());
        assertEquals(DiskGuardConfig.DEFAULTS, config.disk());
        assertEquals(LogFormat.TEXT, config.logFormat());
    }

    @Test
    void regionDefaultsToLocalOffFly() {
        Map<String, String> environment = with(flyEnvironment(), "FLY_REGION", null, "FLY_PRIVATE_IP", null);
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(), environment);
        assertEquals("local", config.region());
        assertEquals(Optional.empty(), config.address());
    }

    @Test
    void yamlFileValuesAreUsed() throws Exception {
        Path yaml = file("pgmanager.yml", """
                machine_id: node_1
                app: orders-db
                region: fra
                primary_region: ams
                failover_outside_primary_region: yes
                address: 10.0.0.7
                store:
                  connect: "[::1]:2181"
                  session_timeout: 5s
                  connect_timeout: 1m
                postgres:
                  data_dir: /srv/pg/data
                  bin_dir: /usr/lib/postgresql/17/bin
                  listen_address: 0.0.0.0
                  port: 6432
                  socket_dir: /tmp
                  os_user: pg
                  parameters:
                    shared_buffers: 256MB
                    max_connections: 200
                    pg_stat_statements.track: all
                  superuser: admin
                  superuser_password: from-file-su
                  replication_user: replicator
                  replication_password: from-file-repl
                  allowed_networks:
                    - 10.0.0.0/8
                    - fdaa::/16
                ha:
                  loop_wait: 500ms
                  maximum_lag_on_failover: 1GB
                  slot_retention: 2h
                  nofailover: true
                  priority: 7
                  stop_handover_timeout: 45s
                  realtime_priority: false
                  autogroups: keep
                  verify_on_migration: quick
                api:
                  listen: 127.0.0.5:9000
                  token: from-file-token
                log:
                  format: json
                """);

        SidecarConfig config = SidecarConfigLoader.load(Optional.of(yaml), Map.of());

        assertEquals("node_1", config.machineId());
        assertEquals("orders-db", config.app());
        assertEquals("fra", config.region());
        assertEquals(Optional.of("ams"), config.primaryRegion());
        assertTrue(config.failoverOutsidePrimaryRegion());
        assertTrue(config.regionAllowsLeadership());
        assertEquals(Optional.of(InetAddress.getByName("10.0.0.7")), config.address());
        assertEquals(new StoreConfig("[::1]:2181", Duration.ofSeconds(5), Duration.ofMinutes(1),
                StoreSecret.derive("orders-db", "from-file-su")), config.store());
        assertEquals(new PostgresConfig(Path.of("/srv/pg/data"), Optional.of(Path.of("/usr/lib/postgresql/17/bin")),
                "0.0.0.0", 6432, Path.of("/tmp"), "pg",
                Map.of("shared_buffers", "256MB", "max_connections", "200", "pg_stat_statements.track", "all"),
                "admin", "from-file-su", "replicator", "from-file-repl", List.of("10.0.0.0/8", "fdaa::/16")),
                config.postgres());
        assertEquals(new HaConfig(Duration.ofMillis(500), 1L << 30, Duration.ofHours(2), true, 7, Duration.ofSeconds(45), MigrationVerification.QUICK, dev.pgmanager.ha.SynchronousSettings.OFF, false, false, false, AutogroupScheduling.KEEP), config.ha());
        assertEquals("127.0.0.5", config.api().listen().getAddress().getHostAddress());
        assertEquals(9000, config.api().listen().getPort());
        assertEquals(Optional.of("from-file-token"), config.api().token());
        assertEquals(LogFormat.JSON, config.logFormat());
    }

    @Test
    void propertiesFileTakesTheSameDottedKeys() throws Exception {
        Path properties = file("pgmanager.properties", """
                machine_id=node_2
                app=orders-db
                store.connect=zk1:2181
                store.session_timeout=10000
                postgres.port=5999
                postgres.superuser_password=su
                postgres.replication_password=repl
                postgres.parameters.work_mem=64MB
                postgres.allowed_networks=10.0.0.0/8, 192.168.0.0/16
                ha.maximum_lag_on_failover=512kB
                ha.nofailover=1
                api.listen=localhost:8008
                log.format=JSON
                """);

        SidecarConfig config = SidecarConfigLoader.load(Optional.of(properties), Map.of());

        assertEquals("node_2", config.machineId());
        assertEquals(Duration.ofSeconds(10), config.store().sessionTimeout());
        assertEquals(5999, config.postgres().port());
        assertEquals(Map.of("work_mem", "64MB"), config.postgres().parameters());
        assertEquals(List.of("10.0.0.0/8", "192.168.0.0/16"), config.postgres().allowedNetworks());
        assertEquals(512 * 1024, config.ha().maximumLagOnFailoverBytes());
        assertTrue(config.ha().noFailover());
        assertTrue(config.api().listen().isUnresolved(), "a host name is kept for later resolution");
        assertEquals("localhost", config.api().listen().getHostString());
        assertEquals(LogFormat.JSON, config.logFormat());
    }

    @Test
    void environmentOverridesTheFileAndFlyNamesComeFirst() throws Exception {
        Path yaml = file("pgmanager.yaml", """
                machine_id: from_file
                app: file-app
                region: fra
                postgres:
                  port: 6000
                ha:
                  loop_wait: 1200ms
                """);
        Map<String, String> environment = with(flyEnvironment(),
                "PGMANAGER_MACHINE_ID", "second_choice",
                "PGMANAGER_PG_PORT", "6001",
                "PGMANAGER_LOOP_WAIT", "",          // empty: leaves the file's value in force
                "PGMANAGER_REGION", "cdg");

        SidecarConfig config = SidecarConfigLoader.load(Optional.of(yaml), environment);

        assertEquals("148e21ea7d5e89", config.machineId(), "FLY_MACHINE_ID is looked at before PGMANAGER_MACHINE_ID");
        assertEquals("my-db", config.app());
        assertEquals("ams", config.region());
        assertEquals(6001, config.postgres().port());
        assertEquals(Duration.ofMillis(1200), config.ha().loopWait());
    }

    @Test
    void regionRulesDecideWhoMayLead() {
        Map<String, String> outside = with(flyEnvironment(), "PRIMARY_REGION", "fra");
        assertFalse(SidecarConfigLoader.load(Optional.empty(), outside).regionAllowsLeadership());
        Map<String, String> allowed = with(outside, "PGMANAGER_FAILOVER_OUTSIDE_PRIMARY_REGION", "YES");
        assertTrue(SidecarConfigLoader.load(Optional.empty(), allowed).regionAllowsLeadership());
        Map<String, String> inside = with(flyEnvironment(), "PRIMARY_REGION", "ams");
        assertTrue(SidecarConfigLoader.load(Optional.empty(), inside).regionAllowsLeadership());
    }

    @Test
    void missingMachineIdNamesTheVariablesAndTheKey() {
        ConfigException error = rejected(with(flyEnvironment(), "FLY_MACHINE_ID", null));
        assertEquals(List.of("machine_id is missing: set FLY_MACHINE_ID or PGMANAGER_MACHINE_ID, or machine_id in the config file"),
                error.problems());
    }

    @Test
    void invalidMachineIdNamesTheKeyAndTheVariable() {
        ConfigException error = rejected(with(flyEnvironment(), "FLY_MACHINE_ID", "Node-1"));
        assertMentions(error, "machine_id: ", "'Node-1'", "set by FLY_MACHINE_ID");
    }

    @Test
    void portOutOfRange() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_PG_PORT", "70000"));
        assertEquals(List.of("postgres.port: 70000 is not a port (1-65535); set by PGMANAGER_PG_PORT"), error.problems());
    }

    @Test
    void durationThatIsNotOne() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_LOOP_WAIT", "abc"));
        assertEquals(List.of("ha.loop_wait: \"abc\" is not a duration (use 500ms, 2s, 1m, 1h, 7d); set by PGMANAGER_LOOP_WAIT"),
                error.problems());
    }

    @Test
    void durationOutOfItsRange() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_STORE_SESSION_TIMEOUT", "90s"));
        assertMentions(error, "store.session_timeout: \"90s\" is out of range (1s to 60s)", "PGMANAGER_STORE_SESSION_TIMEOUT");
    }

    @Test
    void diskMarksArePercentagesTheWritableOneBelowTheReadOnlyOneOrTheGuardIsOff() throws Exception {
        var marks = SidecarConfigLoader.load(Optional.empty(), with(flyEnvironment(), "PGMANAGER_DISK_READ_ONLY_AT", "95",
                "PGMANAGER_DISK_WRITABLE_BELOW", "80%")).disk();
        assertEquals(new DiskGuardConfig(OptionalInt.of(95), 80), marks);
        assertEquals(OptionalInt.empty(), SidecarConfigLoader.load(Optional.empty(),
                with(flyEnvironment(), "PGMANAGER_DISK_READ_ONLY_AT", "off")).disk().readOnlyAtPercent());
        assertMentions(rejected(with(flyEnvironment(), "PGMANAGER_DISK_READ_ONLY_AT", "100%")),
                "disk.read_only_at: \"100%\" is not a percentage from 1% to 99%", "PGMANAGER_DISK_READ_ONLY_AT");
        assertMentions(rejected(with(flyEnvironment(), "PGMANAGER_DISK_WRITABLE_BELOW", "ninety")),
                "disk.writable_below: \"ninety\" is not a percentage", "PGMANAGER_DISK_WRITABLE_BELOW");
        assertMentions(rejected(with(flyEnvironment(), "PGMANAGER_DISK_READ_ONLY_AT", "80", "PGMANAGER_DISK_WRITABLE_BELOW", "85")),
                "disk.writable_below (85%) must be below disk.read_only_at (80%)");
    }

    @Test
    void operatorPasswordIsThePostgresRolesPasswordSoTheSuperuserMustBeAnotherRole() {
        // OPERATOR_PASSWORD was the API token once: a configuration of that time names postgres as the superuser
        assertMentions(rejected(with(flyEnvironment(), "OPERATOR_PASSWORD", OPERATOR_SECRET)),
                "OPERATOR_PASSWORD is the password of the role postgres", "set PGMANAGER_SUPERUSER to a role of its own",
                "set PGMANAGER_API_TOKEN instead");
        SidecarConfig asFlyPgCreateSetsIt = SidecarConfigLoader.load(Optional.empty(),
                with(flyEnvironment(), "OPERATOR_PASSWORD", OPERATOR_SECRET, "PGMANAGER_SUPERUSER", "flypgadmin"));
        assertEquals("flypgadmin", asFlyPgCreateSetsIt.postgres().superuser());
        assertEquals(Optional.of(OPERATOR_SECRET), asFlyPgCreateSetsIt.postgres().operatorPassword());
        assertEquals(Optional.of(ApiToken.derive("my-db", SUPERUSER_SECRET)), asFlyPgCreateSetsIt.api().token(),
                "the token is no longer OPERATOR_PASSWORD");
    }

    @Test
    void theFlyctlApiIsOffUnlessAskedAndItsAdmissionIsOneOfThree() {
        SidecarConfig on = SidecarConfigLoader.load(Optional.empty(),
                with(flyEnvironment(), "PGMANAGER_FLY_API_LISTEN", "[::]:5500", "PGMANAGER_FLY_API_ADMIN_FROM", "network"));
        assertEquals(5500, on.api().flyListen().orElseThrow().getPort());
        assertEquals("network", on.api().flyAdminFrom());
        assertMentions(rejected(with(flyEnvironment(), "PGMANAGER_FLY_API_ADMIN_FROM", "everyone")),
                "flyapi.admin_from: \"everyone\" is not who may change things through the flyctl API (use peers, network or local)");
    }

    @Test
    void aParameterPgmanagerSetsItselfIsRefused() throws Exception {
        Path yaml = file("managed.yml", """
                postgres:
                  parameters:
                    wal_level: minimal
                    hot_standby: off
                    work_mem: 8MB
                """);
        assertMentions(rejected(Optional.of(yaml), flyEnvironment()), "postgres.parameters.wal_level: wal_level minimal leaves nothing",
                "postgres.parameters.hot_standby: pgmanager sets hot_standby itself");
    }

    @Test
    void aSocketDirectoryTooLongForAUnixSocketIsRefused() {
        String longDir = "/tmp/" + "d".repeat(100);
        assertMentions(rejected(with(flyEnvironment(), "PGMANAGER_PG_SOCKET_DIR", longDir)),
                "postgres.socket_dir: PostgreSQL's socket " + longDir + "/.s.PGSQL.5433 would be", "at most 107");
    }

    @Test
    void loopMustBeShorterThanTheLease() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_LOOP_WAIT", "5s"));
        assertMentions(error, "ha.loop_wait", "store.session_timeout");
    }

    @Test
    void sizeThatIsNotOne() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_MAXIMUM_LAG_ON_FAILOVER", "16 megs"));
        assertMentions(error, "ha.maximum_lag_on_failover: \"16 megs\" is not a size", "PGMANAGER_MAXIMUM_LAG_ON_FAILOVER");
    }

    @Test
    void walSegmentSizeIsInitdbsPowerOfTwo() throws Exception {
        assertEquals(WalSegmentSize.DEFAULT, SidecarConfigLoader.load(Optional.empty(), flyEnvironment()).postgres().walSegmentSize());
        assertEquals(new WalSegmentSize(1L << 20), SidecarConfigLoader.load(Optional.empty(),
                with(flyEnvironment(), "PGMANAGER_WAL_SEGMENT_SIZE", "1MB")).postgres().walSegmentSize());
        for (String bad : List.of("3MB", "512kB", "2GB")) {
            ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_WAL_SEGMENT_SIZE", bad));
            assertMentions(error, "postgres.wal_segment_size: \"" + bad + "\" is not a WAL segment size (use a power of two from 1MB to 1GB",
                    "PGMANAGER_WAL_SEGMENT_SIZE");
        }
        assertMentions(rejected(with(flyEnvironment(), "PGMANAGER_WAL_SEGMENT_SIZE", "4 megs")),
                "postgres.wal_segment_size: \"4 megs\" is not a size");
    }

    @Test
    void badCidrIsNamedAmongGoodOnes() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_ALLOWED_NETWORKS", "fdaa::/16,10.0.0.0/33"));
        assertMentions(error, "postgres.allowed_networks: \"10.0.0.0/33\" is not a CIDR network", "PGMANAGER_ALLOWED_NETWORKS");
    }

    @Test
    void badConnectString() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_STORE", "::1:2181"));
        assertMentions(error, "store.connect: ", "is not a ZooKeeper connect string", "brackets", "set by PGMANAGER_STORE");
    }

    @Test
    void missingStoreInExternalModeSaysHowToSetIt() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_STORE", null, "PGMANAGER_STORE_MODE", "external"));
        assertMentions(error, "store.connect is missing: set PGMANAGER_STORE, or store.connect in the config file");
    }

    @Test
    void withoutAConnectStringTheMembersRunTheStoreThemselves() throws Exception {
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(), with(flyEnvironment(), "PGMANAGER_STORE", null));
        assertEquals(StoreConfig.StoreMode.ENSEMBLE, config.store().mode());
        assertEquals(StoreConfig.Ensemble.DEFAULTS, config.store().ensemble());
        SidecarConfig five = SidecarConfigLoader.load(Optional.empty(), with(flyEnvironment(), "PGMANAGER_STORE", null,
                "PGMANAGER_ENSEMBLE_SIZE", "5", "PGMANAGER_ENSEMBLE_DATA_DIR", "/data/zk"));
        assertEquals(new StoreConfig.Ensemble(5, 2181, 2888, 3888, java.nio.file.Path.of("/data/zk")), five.store().ensemble());
    }

    @Test
    void ensembleModeRefusesAConnectStringAnEvenSizeAndSharedPorts() {
        ConfigException error = rejected(with(flyEnvironment(), "PGMANAGER_STORE_MODE", "ensemble",
                "PGMANAGER_ENSEMBLE_SIZE", "4", "PGMANAGER_ENSEMBLE_QUORUM_PORT", "2181"));
        assertMentions(error, "store.connect is set, but store.mode is ensemble", "4 is not an ensemble size");
        ConfigException ports = rejected(with(flyEnvironment(), "PGMANAGER_STORE", null, "PGMANAGER_ENSEMBLE_QUORUM_PORT", "2181"));
        assertMentions(ports, "must differ");
    }

    @Test
    void autogroupsOffInTheFileIsOffThoughYamlReadsItAsABoolean() throws Exception {
        Path yaml = file("autogroups.yml", """
                ha:
                  autogroups: off
                """);
        assertEquals(AutogroupScheduling.OFF, SidecarConfigLoader.load(Optional.of(yaml), flyEnvironment()).ha().autogroups());
    }

    @Test
    void badValuesOfOtherKinds() {
        ConfigException error = rejected(with(flyEnvironment(),
                "PGMANAGER_NOFAILOVER", "maybe",
                "PGMANAGER_PRIORITY", "high",
                "PGMANAGER_LOG_FORMAT", "xml",
                "PGMANAGER_DATA_DIR", "relative/data",
                "FLY_PRIVATE_IP", "my-host",
                "PGMANAGER_API_LISTEN", "8008",
                "FLY_APP_NAME", "My_App",
                "PGMANAGER_AUTOGROUPS", "no"));
        assertMentions(error, "ha.nofailover: \"maybe\" is not a boolean", "ha.priority: \"high\" is not a whole number",
                "ha.autogroups: \"no\" is not what to do with the kernel's autogroup scheduling (use auto, off or keep)",
                "log.format: \"xml\" is not a log format", "postgres.data_dir: \"relative/data\" is not an absolute path",
                "address: \"my-host\" is not an IP address", "set by FLY_PRIVATE_IP", "api.listen: 8008 has no port",
                "app: \"My_App\" is not a valid app name");
        assertEquals(8, error.problems().size());
    }

    @Test
    void unknownKeyInTheFileIsAnErrorWithASuggestion() throws Exception {
        Path yaml = file("typo.yml", """
                postgres:
                  prot: 5432
                colour: blue
                """);
        ConfigException error = rejected(Optional.of(yaml), flyEnvironment());
        assertEquals(List.of("colour: unknown key in " + yaml, "postgres.prot: unknown key (did you mean postgres.port?) in " + yaml),
                error.problems());
    }

    @Test
    void valueWhereASectionBelongsIsExplained() throws Exception {
        Path yaml = file("flat.yml", "store: zk1:2181\n");
        ConfigException error = rejected(Optional.of(yaml), flyEnvironment());
        assertEquals(List.of("store: is a section, not a value: put its keys under it (like store.connect) in " + yaml),
                error.problems());
    }

    @Test
    void badParameterNamesAndMultiLineValuesAreRefused() throws Exception {
        Path yaml = file("params.yml", """
                postgres:
                  parameters:
                    "shared buffers": 1GB
                    work_mem: "4MB\\nfsync = off"
                """);
        ConfigException error = rejected(Optional.of(yaml), flyEnvironment());
        assertMentions(error, "postgres.parameters.shared buffers: \"shared buffers\" is not a postgresql.conf parameter name",
                "postgres.parameters.work_mem: a value must fit on one line");
    }

    @Test
    void missingFileIsNamed() {
        Path absent = directory.resolve("absent.yml");
        ConfigException error = rejected(Optional.of(absent), flyEnvironment());
        assertMentions(error, absent.toString(), "does not exist");
    }

    @Test
    void unknownFileTypeIsNamed() throws Exception {
        Path toml = file("pgmanager.toml", "app = 'x'\n");
        assertMentions(rejected(Optional.of(toml), flyEnvironment()), toml.toString(), ".yml, .yaml or .properties");
    }

    @Test
    void malformedYamlNamesFileAndLineButNotTheLineItself() throws Exception {
        Path yaml = file("broken.yml", """
                app: my-db
                postgres:
                  superuser_password: "%s
                  port: 5432
                """.formatted(SUPERUSER_SECRET));
        ConfigException error = rejected(Optional.of(yaml), flyEnvironment());
        assertMentions(error, yaml.toString(), "is not valid YAML at line 5", "quoted scalar that starts at line 3");
        assertFalse(error.getMessage().contains(SUPERUSER_SECRET), error.getMessage());
    }

    @Test
    void duplicateYamlKeyIsAnError() throws Exception {
        Path yaml = file("twice.yml", """
                app: my-db
                app: other-db
                """);
        assertMentions(rejected(Optional.of(yaml), flyEnvironment()), yaml.toString(), "line 2", "app");
    }

    @Test
    void everyProblemIsReportedAtOnce() throws Exception {
        Path yaml = file("many.yml", """
                postgres:
                  port: 0
                  superuser_pasword: oops
                """);
        Map<String, String> environment = with(flyEnvironment(),
                "FLY_MACHINE_ID", null, "PGMANAGER_LOOP_WAIT", "soon", "PGMANAGER_STORE", "zk1");
        ConfigException error = rejected(Optional.of(yaml), environment);
        assertEquals(5, error.problems().size(), error.getMessage());
        assertMentions(error, "5 problems", "machine_id is missing", "postgres.port: 0 is not a port (1-65535); set in " + yaml,
                "ha.loop_wait: \"soon\"", "store.connect: \"zk1\"", "postgres.superuser_pasword: unknown key",
                "did you mean postgres.superuser_password?");
    }

    @Test
    void passwordsNeverAppearInToStringOrMessages() {
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(),
                with(flyEnvironment(), "PGMANAGER_API_TOKEN", API_SECRET, "OPERATOR_PASSWORD", OPERATOR_SECRET,
                        "PGMANAGER_SUPERUSER", "flypgadmin"));
        assertEquals(Optional.of(API_SECRET), config.api().token());
        assertEquals(Optional.of(OPERATOR_SECRET), config.postgres().operatorPassword());
        String shown = config.toString();
        for (String secret : List.of(SUPERUSER_SECRET, REPLICATION_SECRET, API_SECRET, OPERATOR_SECRET)) {
            assertFalse(shown.contains(secret), shown);
        }
        assertTrue(shown.contains("superuserPassword=***"), shown);

        ConfigException error = rejected(with(flyEnvironment(), "OPERATOR_PASSWORD", API_SECRET, "FLY_APP_NAME", null,
                "PGMANAGER_PG_PORT", "x"));
        for (String secret : List.of(SUPERUSER_SECRET, REPLICATION_SECRET, API_SECRET)) {
            assertFalse(error.getMessage().contains(secret), error.getMessage());
        }
    }

    @Test
    void missingPasswordsSayWhichVariablesToSet() {
        ConfigException error = rejected(with(flyEnvironment(), "SU_PASSWORD", null, "REPL_PASSWORD", " "));
        assertEquals(List.of(
                "postgres.superuser_password is missing: set SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD (or a file holding it, "
                        + "named by SU_PASSWORD_FILE), or postgres.superuser_password in the config file",
                "postgres.replication_password is missing: set REPL_PASSWORD or PGMANAGER_REPLICATION_PASSWORD (or a file holding "
                        + "it, named by REPL_PASSWORD_FILE), or postgres.replication_password in the config file"),
                error.problems());
    }

    @Test
    void secretsMayComeFromFilesNamedByTheirVariableWithFileAppended() throws Exception {
        Path superuser = file("su", SUPERUSER_SECRET + "\n");
        Path replication = file("repl", REPLICATION_SECRET);
        Path storeAuth = file("store", "store-Secret-1234\n");
        SidecarConfig config = SidecarConfigLoader.load(Optional.empty(), with(flyEnvironment(),
                "SU_PASSWORD", null, "SU_PASSWORD_FILE", superuser.toString(),
                "REPL_PASSWORD", null, "PGMANAGER_REPLICATION_PASSWORD_FILE", replication.toString(),
                "PGMANAGER_STORE_AUTH_FILE", storeAuth.toString()));
        assertEquals(SUPERUSER_SECRET, config.postgres().superuserPassword());
        assertEquals(REPLICATION_SECRET, config.postgres().replicationPassword());
        assertEquals("store-Secret-1234", config.store().auth());
        assertFalse(config.toString().contains("store-Secret-1234"), config.toString());
    }

    @Test
    void anUnreadableSecretFileIsNamedAndNothingElseIsUsedInstead() {
        Path missing = directory.resolve("no-such-secret");
        ConfigException error = rejected(with(flyEnvironment(), "SU_PASSWORD", null, "SU_PASSWORD_FILE", missing.toString()));
        assertMentions(error, "postgres.superuser_password: cannot read the file " + missing + " named by SU_PASSWORD_FILE");
    }

    @Test
    void theStoreSecretIsDerivedFromAppAndSuperuserPasswordUnlessSet() {
        String derived = SidecarConfigLoader.load(Optional.empty(), flyEnvironment()).store().auth();
        assertEquals(64, derived.length());
        assertFalse(derived.contains(SUPERUSER_SECRET));
        assertEquals(derived, StoreSecret.derive("my-db", SUPERUSER_SECRET));
        assertFalse(derived.equals(StoreSecret.derive("other-db", SUPERUSER_SECRET)), "another cluster gets another secret");
        assertEquals("explicit", SidecarConfigLoader.load(Optional.empty(),
                with(flyEnvironment(), "PGMANAGER_STORE_AUTH", "explicit")).store().auth());
    }
}
