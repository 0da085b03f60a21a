package dev.pgmanager.config;

import java.nio.file.Path;
import dev.pgmanager.ha.SynchronousSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.pgmanager.config.ConfigOptions.*;

/**
 * Builds the sidecar's configuration from an optional config file (YAML or properties) and the environment, the
 * environment winning. Every problem is collected first and reported together in one {@link ConfigException}.
 */
public final class SidecarConfigLoader {
    private static final String PARAMETER_PREFIX = POSTGRES_PARAMETERS + ".";
    /** postgresql.conf names, including extension settings such as {@code pg_stat_statements.track}. */
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private static final int MAX_SOCKET_PATH_BYTES = 107;
    private SidecarConfigLoader() {}

    /**
     * @param file        a {@code .yml}, {@code .yaml} or {@code .properties} file, or empty to use the environment only
     * @param environment usually {@code System.getenv()}
     * @throws ConfigException listing every problem, each naming its key and the variables that set it
     */
    public static SidecarConfig load(Optional<Path> file, Map<String, String> environment) throws ConfigException {
        ConfigFile configFile = file.map(ConfigFileReader::read).orElse(ConfigFile.NONE);
        List<String> problems = new ArrayList<>(unknownKeys(configFile));
        ResolvedSettings settings = ResolvedSettings.resolve(ALL, configFile, environment, problems);
        Map<String, String> parameters = postgresParameters(configFile, problems);
        checkLoopFitsInLease(settings, problems);
        checkStoreMode(settings, problems);
        checkDiskMarks(settings, problems);
        checkSocketPath(settings, problems);
        checkBackup(settings, problems);
        checkOperatorRole(settings, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return assemble(settings, parameters);
    }

    /**
     * OPERATOR_PASSWORD is the password of the role postgres (as in Fly's postgres-flex), so pgmanager's own superuser
     * must be another role; it was the API token once, and a configuration made then has postgres as its superuser.
     */
    private static void checkOperatorRole(ResolvedSettings settings, List<String> problems) {
        if (settings.find(OPERATOR_PASSWORD).isPresent() && settings.get(SUPERUSER).equals(dev.pgmanager.config.PostgresConfig.OPERATOR_ROLE)) {
            problems.add("postgres.operator_password: OPERATOR_PASSWORD is the password of the role postgres (as Fly's postgres-flex "
                    + "and fly pg create have it), and postgres.superuser, pgmanager's own superuser, is postgres too: set "
                    + "PGMANAGER_SUPERUSER to a role of its own (the image uses flypgadmin). If OPERATOR_PASSWORD was meant as the "
                    + "API token (its meaning before), set PGMANAGER_API_TOKEN instead and unset OPERATOR_PASSWORD");
        }
    }

    private static SidecarConfig assemble(ResolvedSettings settings, Map<String, String> parameters) {
        // A Fly member derives both secrets, each 100,000 rounds of PBKDF2 (slow on purpose): side by side, on a machine
        // of more than one CPU they cost the start the time of one
        CompletableFuture<String> apiToken = settings.find(API_TOKEN).map(CompletableFuture::completedFuture)
                .orElseGet(() -> CompletableFuture.supplyAsync(() -> ApiToken.derive(settings.get(APP), settings.get(SUPERUSER_PASSWORD)),
                        task -> Thread.ofVirtual().name("api-token-derivation").start(task)));
        String storeAuth = settings.find(STORE_AUTH)
                .orElseGet(() -> StoreSecret.derive(settings.get(APP), settings.get(SUPERUSER_PASSWORD)));
        StoreConfig.Ensemble ensemble = new StoreConfig.Ensemble(settings.get(ENSEMBLE_SIZE), settings.get(ENSEMBLE_CLIENT_PORT),
                settings.get(ENSEMBLE_QUORUM_PORT), settings.get(ENSEMBLE_ELECTION_PORT), settings.get(ENSEMBLE_DATA_DIR));
        StoreConfig store = new StoreConfig(storeMode(settings), settings.find(STORE_CONNECT), settings.get(STORE_SESSION_TIMEOUT),
                settings.get(STORE_CONNECT_TIMEOUT), storeAuth, ensemble);
        PostgresConfig postgres = new PostgresConfig(settings.get(DATA_DIR), settings.find(BIN_DIR),
                settings.get(LISTEN_ADDRESS), settings.get(PORT), settings.get(SOCKET_DIR), settings.get(OS_USER),
                parameters, settings.get(SUPERUSER), settings.get(SUPERUSER_PASSWORD), settings.get(REPLICATION_USER),
                settings.get(REPLICATION_PASSWORD), settings.get(ALLOWED_NETWORKS), settings.find(OPERATOR_PASSWORD),
                settings.find(RESTORED_FROM), settings.get(WAL_SEGMENT_SIZE));
        HaConfig ha = new HaConfig(settings.get(LOOP_WAIT), settings.get(MAXIMUM_LAG_ON_FAILOVER),
                settings.get(SLOT_RETENTION), settings.get(NOFAILOVER), settings.get(PRIORITY),
                settings.get(STOP_HANDOVER_TIMEOUT), settings.get(VERIFY_ON_MIGRATION),
                new SynchronousSettings(settings.get(SYNCHRONOUS_MODE), settings.get(SYNCHRONOUS_NODE_COUNT),
                        settings.get(SYNCHRONOUS_MODE_STRICT)),
                settings.get(NOSYNC), settings.get(FAILSAFE_MODE), settings.get(REALTIME_PRIORITY),
                settings.get(AUTOGROUPS));
        ApiConfig api = new ApiConfig(settings.get(API_LISTEN), Optional.of(apiToken.join()), settings.get(FLY_API_LISTEN),
                settings.get(FLY_API_ADMIN_FROM));
        MetricsConfig metrics = new MetricsConfig(settings.get(METRICS_LISTEN));
        RouterConfig router = new RouterConfig(settings.find(ROUTER_LISTEN));
        DnsConfig dns = new DnsConfig(settings.find(DNS_SERVERS).orElse(List.of()), settings.get(DNS_NAME_PATTERN));
        RewriterConfig rewriter = new RewriterConfig(settings.get(REWRITER_ENABLED), settings.find(REWRITER_CGROUP),
                settings.get(REWRITER_PIN_ROOT), settings.get(REWRITER_RETENTION), settings.get(REWRITER_REPORT_INTERVAL));
        DiskGuardConfig disk = new DiskGuardConfig(settings.get(DISK_READ_ONLY_AT), settings.get(DISK_WRITABLE_BELOW));
        return new SidecarConfig(settings.get(MACHINE_ID), settings.get(APP), settings.get(REGION),
                settings.find(PRIMARY_REGION), settings.get(FAILOVER_OUTSIDE_PRIMARY_REGION), settings.find(ADDRESS),
                store, postgres, ha, api, metrics, router, dns, rewriter, disk, backup(settings), settings.get(LOG_FORMAT),
                new MigrationConfig(settings.find(MIGRATE_FROM), settings.get(MIGRATE_FROM_USER),
                        settings.find(MIGRATE_FROM_PASSWORD).orElse(settings.get(REPLICATION_PASSWORD))));
    }

    /**
     * The backup repository of cluster {@code app} as a member of it would configure it, from the backup settings of
     * {@code file} (if given) and the environment alone: what {@code pgmanager restore} reads the source's backups with.
     *
     * @throws ConfigException when no bucket is set or its endpoint or keys are missing
     */
    public static BackupConfig.Repository backupRepository(Optional<Path> file, Map<String, String> environment, String app)
            throws ConfigException {
        ConfigFile configFile = file.map(ConfigFileReader::read).orElse(ConfigFile.NONE);
        List<String> problems = new ArrayList<>();
        List<ConfigOption<?>> options = List.of(BACKUP_BUCKET, BACKUP_ENDPOINT, BACKUP_REGION, BACKUP_ACCESS_KEY_ID,
                BACKUP_SECRET_ACCESS_KEY, BACKUP_PATH, BACKUP_CA_FILE, BACKUP_ENABLED);
        ResolvedSettings settings = ResolvedSettings.resolve(options, configFile, environment, problems);
        if (settings.find(BACKUP_BUCKET).isEmpty() && problems.stream().noneMatch(p -> p.startsWith(BACKUP_BUCKET.key()))) {
            problems.add(BACKUP_BUCKET.key() + " is missing: name the bucket that holds the backups (BUCKET_NAME or "
                    + "PGMANAGER_BACKUP_BUCKET), with its endpoint and keys");
        }
        checkBackup(settings, problems);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new BackupConfig.Repository(settings.get(BACKUP_BUCKET), settings.get(BACKUP_ENDPOINT), settings.get(BACKUP_REGION),
                settings.get(BACKUP_ACCESS_KEY_ID), settings.get(BACKUP_SECRET_ACCESS_KEY),
                settings.find(BACKUP_PATH).orElse("/pgmanager/" + app), settings.find(BACKUP_CA_FILE));
    }

    private static BackupConfig backup(ResolvedSettings settings) {
        BackupConfig.Schedule schedule = new BackupConfig.Schedule(settings.get(BACKUP_FULL_EVERY),
                settings.get(BACKUP_DIFFERENTIAL_EVERY), settings.get(BACKUP_RECOVERY_WINDOW), settings.get(BACKUP_ARCHIVE_TIMEOUT));
        if (!settings.get(BACKUP_ENABLED) || settings.find(BACKUP_BUCKET).isEmpty()) {
            return new BackupConfig(Optional.empty(), schedule);
        }
        Optional<BackupConfig.RestoreSource> restore = settings.find(BACKUP_RESTORE_FROM).map(source ->
                new BackupConfig.RestoreSource(source, settings.find(BACKUP_RESTORE_BACKUP), settings.find(BACKUP_RESTORE_TARGET_TIME)));
        return new BackupConfig(Optional.of(new BackupConfig.Repository(settings.get(BACKUP_BUCKET), settings.get(BACKUP_ENDPOINT),
                settings.get(BACKUP_REGION), settings.get(BACKUP_ACCESS_KEY_ID), settings.get(BACKUP_SECRET_ACCESS_KEY),
                settings.find(BACKUP_PATH).orElse("/pgmanager/" + settings.get(APP)), settings.find(BACKUP_CA_FILE))), schedule, restore,
                settings.get(BACKUP_SERVER_PORT));
    }

    /** A bucket without the rest would only fail later, at the first archived segment: say what is missing now. */
    private static void checkBackup(ResolvedSettings settings, List<String> problems) {
        Optional<String> restoreFrom = settings.find(BACKUP_RESTORE_FROM);
        if (restoreFrom.isPresent() && (settings.find(BACKUP_BUCKET).isEmpty() || !settings.find(BACKUP_ENABLED).orElse(true))) {
            problems.add(BACKUP_RESTORE_FROM.key() + " is set, but there is no bucket to restore from: set backup.bucket "
                    + "(BUCKET_NAME) and its endpoint and keys, the bucket that holds " + restoreFrom.get() + "'s backups");
        }
        if (restoreFrom.isPresent() && restoreFrom.equals(settings.find(APP))) {
            problems.add(BACKUP_RESTORE_FROM.key() + " names this cluster itself (" + restoreFrom.get() + "): a restore builds a new "
                    + "cluster from another's backups; give the new cluster another name");
        }
        if (restoreFrom.isEmpty() && (settings.find(BACKUP_RESTORE_BACKUP).isPresent() || settings.find(BACKUP_RESTORE_TARGET_TIME).isPresent())) {
            problems.add("backup.restore_backup and backup.restore_target_time need " + BACKUP_RESTORE_FROM.key()
                    + " (PGMANAGER_RESTORE_FROM), the cluster whose backups to restore");
        }
        if (!settings.find(BACKUP_ENABLED).orElse(true) || settings.find(BACKUP_BUCKET).isEmpty()) return;
        for (ConfigOption<?> needed : List.of(BACKUP_ENDPOINT, BACKUP_ACCESS_KEY_ID, BACKUP_SECRET_ACCESS_KEY)) {
            if (settings.find(needed).isEmpty()) {
                problems.add(needed.key() + " is missing: " + BACKUP_BUCKET.key() + " is set, so backups go to that bucket and "
                        + "need its endpoint and keys (fly storage create sets AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID and "
                        + "AWS_SECRET_ACCESS_KEY); or set backup.enabled false (PGMANAGER_BACKUP_ENABLED) for no backups");
            }
        }
    }

    /** Set, or external when a connect string is given, else ensemble: one app of machines needs nothing else. */
    private static StoreConfig.StoreMode storeMode(ResolvedSettings settings) {
        return settings.find(STORE_MODE).orElse(settings.find(STORE_CONNECT).isPresent()
                ? StoreConfig.StoreMode.EXTERNAL : StoreConfig.StoreMode.ENSEMBLE);
    }

    private static void checkStoreMode(ResolvedSettings settings, List<String> problems) {
        boolean connectSet = settings.find(STORE_CONNECT).isPresent();
        switch (storeMode(settings)) {
            case EXTERNAL -> {
                if (!connectSet) {
                    problems.add(STORE_CONNECT.key() + " is missing: set PGMANAGER_STORE, or store.connect in the config file "
                            + "(store.mode external reaches an ensemble run elsewhere; store.mode ensemble runs one in the members)");
                }
            }
            case ENSEMBLE -> {
                if (connectSet) {
                    problems.add(STORE_CONNECT.key() + " is set, but store.mode is ensemble: the members run the store "
                            + "themselves; unset store.connect (PGMANAGER_STORE) or use store.mode external");
                }
                List<Integer> ports = Stream.of(ENSEMBLE_CLIENT_PORT, ENSEMBLE_QUORUM_PORT, ENSEMBLE_ELECTION_PORT)
                        .flatMap(option -> settings.find(option).stream()).toList();
                if (ports.size() == 3 && Set.copyOf(ports).size() < 3) {
                    problems.add("store.ensemble.client_port, quorum_port and election_port must differ");
                }
            }
        }
    }

    /** The kernel limits a Unix socket's path to 107 bytes; PostgreSQL then only warns and stays off the socket. */
    private static void checkSocketPath(ResolvedSettings settings, List<String> problems) {
        Optional<Path> dir = settings.find(SOCKET_DIR);
        Optional<Integer> port = settings.find(PORT);
        if (dir.isEmpty() || port.isEmpty()) return;
        String socket = dir.get().resolve(".s.PGSQL." + port.get()).toString();
        int bytes = socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            problems.add(SOCKET_DIR.key() + ": PostgreSQL's socket " + socket + " would be " + bytes + " bytes long, and a Unix "
                    + "socket's path may have at most " + MAX_SOCKET_PATH_BYTES + "; choose a shorter directory (PGMANAGER_PG_SOCKET_DIR)");
        }
    }

    private static void checkDiskMarks(ResolvedSettings settings, List<String> problems) {
        OptionalInt readOnlyAt = settings.find(DISK_READ_ONLY_AT).orElse(OptionalInt.empty());
        Optional<Integer> writableBelow = settings.find(DISK_WRITABLE_BELOW);
        if (readOnlyAt.isPresent() && writableBelow.isPresent() && writableBelow.get() >= readOnlyAt.getAsInt()) {
            problems.add(DISK_WRITABLE_BELOW.key() + " (" + writableBelow.get() + "%) must be below " + DISK_READ_ONLY_AT.key() + " ("
                    + readOnlyAt.getAsInt() + "%): between the two marks the volume keeps whichever state it is in");
        }
    }

    /** A misspelt key would otherwise be ignored and its default silently used. */
    private static List<String> unknownKeys(ConfigFile file) {
        Set<String> known = ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        return file.settings().keySet().stream()
                .filter(key -> !known.contains(key) && !key.startsWith(PARAMETER_PREFIX))
                .sorted()
                .map(key -> key + ": " + whyUnknown(key, known) + " in " + file.name())
                .toList();
    }

    private static String whyUnknown(String key, Set<String> known) {
        if (key.equals(POSTGRES_PARAMETERS)) {
            return "must be a map of postgresql.conf settings (name: value)";
        }
        // The section's first key in the table's order, which puts the essential ones first
        Optional<String> keyInSection = ALL.stream().map(ConfigOption::key).filter(option -> option.startsWith(key + ".")).findFirst();
        if (keyInSection.isPresent()) {
            return "is a section, not a value: put its keys under it (like " + keyInSection.get() + ")";
        }
        return "unknown key" + KeySuggestions.closest(key, known).map(guess -> " (did you mean " + guess + "?)").orElse("");
    }

    private static Map<String, String> postgresParameters(ConfigFile file, List<String> problems) {
        Map<String, String> parameters = new TreeMap<>();
        file.settings().forEach((key, value) -> {
            if (!key.startsWith(PARAMETER_PREFIX)) {
                return;
            }
            String name = key.substring(PARAMETER_PREFIX.length());
            if (!PARAMETER_NAME.matcher(name).matches()) {
                problems.add(key + ": " + ShownValue.of(name) + " is not a postgresql.conf parameter name; set in " + file.name());
            } else if (dev.pgmanager.postgres.ManagedSettings.whyNot(name, value).isPresent()) {
                problems.add(key + ": " + dev.pgmanager.postgres.ManagedSettings.whyNot(name, value).get() + ", so it "
                        + "cannot be a parameter; set in " + file.name() + " (ALTER SYSTEM still overrides it, at your own risk)");
            } else if (value.contains("\n") || value.contains("\r")) {
                // one setting per line in postgresql.conf: a line break would smuggle in other settings
                problems.add(key + ": a value must fit on one line; set in " + file.name());
            } else {
                parameters.put(name, value);
            }
        });
        return parameters;
    }

    /**
     * The leader learns whether it still holds the lease once per loop; a loop as long as the lease would let
     * the lease lapse before the primary notices and stops taking writes.
     */
    private static void checkLoopFitsInLease(ResolvedSettings settings, List<String> problems) {
        settings.find(LOOP_WAIT).ifPresent(loopWait -> settings.find(STORE_SESSION_TIMEOUT).ifPresent(lease -> {
            if (loopWait.compareTo(lease) >= 0) {
                problems.add(LOOP_WAIT.key() + ": " + loopWait.toMillis() + "ms must be shorter than "
                        + STORE_SESSION_TIMEOUT.key() + " (" + lease.toMillis() + "ms), the leader lease, "
                        + "so that a leader notices a lost lease before it runs out");
            }
        }));
    }
}
