package dev.pgmanager.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.postgres.WalSegmentSize;

import static dev.pgmanager.config.ConfigOption.optional;
import static dev.pgmanager.config.ConfigOption.required;
import static dev.pgmanager.config.ConfigOption.withDefault;

/**
 * Every setting of the sidecar in one table. Fly.io's own variable names come first so a machine on Fly needs
 * no extra environment; the {@code PGMANAGER_} names work anywhere. The README documents this table.
 */
final class ConfigOptions {
    static final ConfigOption<String> MACHINE_ID =
            required("machine_id", ValueParsers::machineId, "FLY_MACHINE_ID", "PGMANAGER_MACHINE_ID");
    static final ConfigOption<String> APP =
            required("app", ValueParsers::appName, "FLY_APP_NAME", "PGMANAGER_APP");
    static final ConfigOption<String> REGION =
            withDefault("region", "local", ValueParsers::regionName, "FLY_REGION", "PGMANAGER_REGION");
    static final ConfigOption<String> PRIMARY_REGION =
            optional("primary_region", ValueParsers::regionName, "PRIMARY_REGION", "PGMANAGER_PRIMARY_REGION");
    static final ConfigOption<Boolean> FAILOVER_OUTSIDE_PRIMARY_REGION = withDefault("failover_outside_primary_region",
            "false", ValueParsers::bool, "PGMANAGER_FAILOVER_OUTSIDE_PRIMARY_REGION");
    static final ConfigOption<InetAddress> ADDRESS =
            optional("address", NetworkSyntax::ipLiteral, "FLY_PRIVATE_IP", "PGMANAGER_ADDRESS");

    static final ConfigOption<String> STORE_CONNECT =
            optional("store.connect", NetworkSyntax::zooKeeperConnectString, "PGMANAGER_STORE");
    /** Unset: external when store.connect is set, else ensemble (see {@link SidecarConfigLoader}). */
    static final ConfigOption<StoreConfig.StoreMode> STORE_MODE =
            optional("store.mode", ValueParsers::storeMode, "PGMANAGER_STORE_MODE");
    static final ConfigOption<Integer> ENSEMBLE_SIZE =
            withDefault("store.ensemble.size", "3", ValueParsers::ensembleSize, "PGMANAGER_ENSEMBLE_SIZE");
    static final ConfigOption<Integer> ENSEMBLE_CLIENT_PORT =
            withDefault("store.ensemble.client_port", "2181", NetworkSyntax::port, "PGMANAGER_ENSEMBLE_CLIENT_PORT");
    static final ConfigOption<Integer> ENSEMBLE_QUORUM_PORT =
            withDefault("store.ensemble.quorum_port", "2888", NetworkSyntax::port, "PGMANAGER_ENSEMBLE_QUORUM_PORT");
    static final ConfigOption<Integer> ENSEMBLE_ELECTION_PORT =
            withDefault("store.ensemble.election_port", "3888", NetworkSyntax::port, "PGMANAGER_ENSEMBLE_ELECTION_PORT");
    static final ConfigOption<Path> ENSEMBLE_DATA_DIR = withDefault("store.ensemble.data_dir", "/data/zookeeper",
            ValueParsers::absolutePath, "PGMANAGER_ENSEMBLE_DATA_DIR");
    /** Its default is {@link StoreConfig#DEFAULT_SESSION_TIMEOUT}, written as the README's table shows it. */
    static final ConfigOption<Duration> STORE_SESSION_TIMEOUT = withDefault("store.session_timeout", StoreConfig.DEFAULT_SESSION_TIMEOUT_TEXT,
            ValueParsers.durationBetween(StoreConfig.MIN_SESSION_TIMEOUT.toSeconds() + "s", StoreConfig.MAX_SESSION_TIMEOUT.toSeconds() + "s"),
            "PGMANAGER_STORE_SESSION_TIMEOUT");
    /** The ZooKeeper digest secret over the cluster's znodes; derived from the superuser password when unset. */
    static final ConfigOption<String> STORE_AUTH =
            optional("store.auth", ValueParsers::text, "PGMANAGER_STORE_AUTH").asSecret();
    static final ConfigOption<Duration> STORE_CONNECT_TIMEOUT = withDefault("store.connect_timeout", "15s",
            ValueParsers.positiveDuration(), "PGMANAGER_STORE_CONNECT_TIMEOUT");

    static final ConfigOption<Path> DATA_DIR =
            withDefault("postgres.data_dir", "/data/postgresql", ValueParsers::absolutePath, "PGMANAGER_DATA_DIR");
    static final ConfigOption<Path> BIN_DIR =
            optional("postgres.bin_dir", ValueParsers::absolutePath, "PGMANAGER_PG_BIN_DIR");
    static final ConfigOption<String> LISTEN_ADDRESS =
            withDefault("postgres.listen_address", "*", ValueParsers::text, "PGMANAGER_PG_LISTEN");
    static final ConfigOption<Integer> PORT =
            withDefault("postgres.port", "5433", NetworkSyntax::port, "PGMANAGER_PG_PORT");
    static final ConfigOption<Path> SOCKET_DIR = withDefault("postgres.socket_dir", "/var/run/postgresql",
            ValueParsers::absolutePath, "PGMANAGER_PG_SOCKET_DIR");
    static final ConfigOption<String> OS_USER =
            withDefault("postgres.os_user", "postgres", ValueParsers::osUserName, "PGMANAGER_PG_OS_USER");
    static final ConfigOption<String> SUPERUSER =
            withDefault("postgres.superuser", "postgres", ValueParsers::roleName, "PGMANAGER_SUPERUSER");
    static final ConfigOption<String> SUPERUSER_PASSWORD = required("postgres.superuser_password",
            ValueParsers::text, "SU_PASSWORD", "PGMANAGER_SUPERUSER_PASSWORD").asSecret();
    static final ConfigOption<String> REPLICATION_USER = withDefault("postgres.replication_user", "repluser",
            ValueParsers::roleName, "PGMANAGER_REPLICATION_USER");
    static final ConfigOption<String> REPLICATION_PASSWORD = required("postgres.replication_password",
            ValueParsers::text, "REPL_PASSWORD", "PGMANAGER_REPLICATION_PASSWORD").asSecret();
    /** The role postgres's password, as flyctl sets it; the leader keeps the role so. */
    static final ConfigOption<String> OPERATOR_PASSWORD = optional("postgres.operator_password", ValueParsers::text,
            "OPERATOR_PASSWORD", "PGMANAGER_OPERATOR_PASSWORD").asSecret();
    /** What the volume was restored or forked from, as flyctl marks such a machine. */
    static final ConfigOption<String> RESTORED_FROM =
            optional("postgres.restored_from", ValueParsers::text, "FLY_RESTORED_FROM", "PGMANAGER_RESTORED_FROM");
    static final ConfigOption<List<String>> ALLOWED_NETWORKS = withDefault("postgres.allowed_networks",
            "fdaa::/16,127.0.0.1/32,::1/128", ValueParsers::cidrList, "PGMANAGER_ALLOWED_NETWORKS");
    /** Its default is {@link WalSegmentSize#DEFAULT}, written as the README's table shows it. */
    static final ConfigOption<WalSegmentSize> WAL_SEGMENT_SIZE = withDefault("postgres.wal_segment_size", "4MB",
            ValueParsers::walSegmentSize, "PGMANAGER_WAL_SEGMENT_SIZE");
    /** A map of postgresql.conf settings, read from the file only: {@code postgres.parameters.<name>}. */
    static final String POSTGRES_PARAMETERS = "postgres.parameters";

    static final ConfigOption<Duration> LOOP_WAIT = withDefault("ha.loop_wait", "1s",
            ValueParsers.durationBetween("100ms", "60s"), "PGMANAGER_LOOP_WAIT");
    static final ConfigOption<Long> MAXIMUM_LAG_ON_FAILOVER = withDefault("ha.maximum_lag_on_failover", "16MB",
            Sizes::parseBytes, "PGMANAGER_MAXIMUM_LAG_ON_FAILOVER");
    static final ConfigOption<Duration> SLOT_RETENTION =
            withDefault("ha.slot_retention", "30m", Durations::parse, "PGMANAGER_SLOT_RETENTION");
    static final ConfigOption<Boolean> NOFAILOVER =
            withDefault("ha.nofailover", "false", ValueParsers::bool, "PGMANAGER_NOFAILOVER");
    static final ConfigOption<Integer> PRIORITY =
            withDefault("ha.priority", "0", ValueParsers::integer, "PGMANAGER_PRIORITY");
    static final ConfigOption<Duration> STOP_HANDOVER_TIMEOUT = withDefault("ha.stop_handover_timeout", "20s",
            ValueParsers.durationBetween("0s", "10m"), "PGMANAGER_STOP_HANDOVER_TIMEOUT");
    static final ConfigOption<Boolean> REALTIME_PRIORITY =
            withDefault("ha.realtime_priority", "true", ValueParsers::bool, "PGMANAGER_REALTIME_PRIORITY");
    static final ConfigOption<AutogroupScheduling> AUTOGROUPS =
            withDefault("ha.autogroups", "auto", ValueParsers::autogroupScheduling, "PGMANAGER_AUTOGROUPS");
    static final ConfigOption<MigrationVerification> VERIFY_ON_MIGRATION = withDefault("ha.verify_on_migration", "full",
            ValueParsers::migrationVerification, "PGMANAGER_VERIFY_ON_MIGRATION");

    static final ConfigOption<SynchronousMode> SYNCHRONOUS_MODE = withDefault("ha.synchronous_mode", "off",
            ValueParsers::synchronousMode, "PGMANAGER_SYNCHRONOUS_MODE");
    static final ConfigOption<Integer> SYNCHRONOUS_NODE_COUNT = withDefault("ha.synchronous_node_count", "1",
            ValueParsers::synchronousNodeCount, "PGMANAGER_SYNCHRONOUS_NODE_COUNT");
    static final ConfigOption<Boolean> SYNCHRONOUS_MODE_STRICT =
            withDefault("ha.synchronous_mode_strict", "false", ValueParsers::bool, "PGMANAGER_SYNCHRONOUS_MODE_STRICT");
    static final ConfigOption<Boolean> NOSYNC = withDefault("ha.nosync", "false", ValueParsers::bool, "PGMANAGER_NOSYNC");
    static final ConfigOption<Boolean> FAILSAFE_MODE =
            withDefault("ha.failsafe_mode", "false", ValueParsers::bool, "PGMANAGER_FAILSAFE_MODE");

    static final ConfigOption<InetSocketAddress> API_LISTEN =
            withDefault("api.listen", "[::]:8008", NetworkSyntax::socketAddress, "PGMANAGER_API_LISTEN");
    static final ConfigOption<InetSocketAddress> METRICS_LISTEN =
            withDefault("metrics.listen", "[::]:9187", NetworkSyntax::socketAddress, "PGMANAGER_METRICS_LISTEN");
    static final ConfigOption<InetSocketAddress> ROUTER_LISTEN =
            optional("router.listen", NetworkSyntax::socketAddress, "PGMANAGER_ROUTER_LISTEN");
    /** The flyctl API, on port 5500 in the image ({@code off}, the default elsewhere: not served). */
    static final ConfigOption<java.util.Optional<InetSocketAddress>> FLY_API_LISTEN = withDefault("flyapi.listen", "off",
            ValueParsers::socketAddressOrOff, "PGMANAGER_FLY_API_LISTEN");
    static final ConfigOption<String> FLY_API_ADMIN_FROM = withDefault("flyapi.admin_from", "peers",
            ValueParsers::flyAdminFrom, "PGMANAGER_FLY_API_ADMIN_FROM");
    static final ConfigOption<String> API_TOKEN =
            optional("api.token", ValueParsers::text, "PGMANAGER_API_TOKEN").asSecret();

    static final ConfigOption<List<InetSocketAddress>> DNS_SERVERS =
            optional("dns.servers", ValueParsers::dnsServers, "PGMANAGER_DNS_SERVERS");
    static final ConfigOption<String> DNS_NAME_PATTERN = withDefault("dns.name_pattern", "{machine_id}.vm.{app}.internal",
            ValueParsers::dnsNamePattern, "PGMANAGER_DNS_NAME_PATTERN");

    static final ConfigOption<Boolean> REWRITER_ENABLED =
            withDefault("rewriter.enabled", "true", ValueParsers::bool, "PGMANAGER_REWRITER_ENABLED");
    static final ConfigOption<Path> REWRITER_CGROUP =
            optional("rewriter.cgroup", ValueParsers::absolutePath, "PGMANAGER_REWRITER_CGROUP");
    static final ConfigOption<Path> REWRITER_PIN_ROOT = withDefault("rewriter.pin_root", "/sys/fs/bpf/pgmanager",
            ValueParsers::absolutePath, "PGMANAGER_REWRITER_PIN_ROOT");
    static final ConfigOption<Duration> REWRITER_RETENTION = withDefault("rewriter.retention", "24h",
            ValueParsers.positiveDuration(), "PGMANAGER_REWRITER_RETENTION");
    static final ConfigOption<Duration> REWRITER_REPORT_INTERVAL = withDefault("rewriter.report_interval", "10m",
            ValueParsers.positiveDuration(), "PGMANAGER_REWRITER_REPORT_INTERVAL");

    static final ConfigOption<OptionalInt> DISK_READ_ONLY_AT = withDefault("disk.read_only_at", "90%",
            ValueParsers::percentOrOff, "PGMANAGER_DISK_READ_ONLY_AT");
    static final ConfigOption<Integer> DISK_WRITABLE_BELOW = withDefault("disk.writable_below", "85%",
            ValueParsers::percent, "PGMANAGER_DISK_WRITABLE_BELOW");

    static final ConfigOption<String> BACKUP_BUCKET =
            optional("backup.bucket", ValueParsers::bucketName, "BUCKET_NAME", "PGMANAGER_BACKUP_BUCKET");
    static final ConfigOption<java.net.URI> BACKUP_ENDPOINT =
            optional("backup.endpoint", ValueParsers::httpsEndpoint, "AWS_ENDPOINT_URL_S3", "PGMANAGER_BACKUP_ENDPOINT");
    static final ConfigOption<String> BACKUP_REGION =
            withDefault("backup.region", "auto", ValueParsers::text, "AWS_REGION", "PGMANAGER_BACKUP_REGION");
    static final ConfigOption<String> BACKUP_ACCESS_KEY_ID =
            optional("backup.access_key_id", ValueParsers::text, "AWS_ACCESS_KEY_ID", "PGMANAGER_BACKUP_ACCESS_KEY_ID");
    static final ConfigOption<String> BACKUP_SECRET_ACCESS_KEY = optional("backup.secret_access_key", ValueParsers::text,
            "AWS_SECRET_ACCESS_KEY", "PGMANAGER_BACKUP_SECRET_ACCESS_KEY").asSecret();
    static final ConfigOption<String> BACKUP_PATH =
            optional("backup.path", ValueParsers::repositoryPath, "PGMANAGER_BACKUP_PATH");
    static final ConfigOption<Path> BACKUP_CA_FILE =
            optional("backup.ca_file", ValueParsers::absolutePath, "PGMANAGER_BACKUP_CA_FILE");
    static final ConfigOption<Boolean> BACKUP_ENABLED =
            withDefault("backup.enabled", "true", ValueParsers::bool, "PGMANAGER_BACKUP_ENABLED");
    static final ConfigOption<Duration> BACKUP_FULL_EVERY =
            withDefault("backup.full_every", "7d", ValueParsers.positiveDuration(), "PGMANAGER_BACKUP_FULL_EVERY");
    static final ConfigOption<Duration> BACKUP_DIFFERENTIAL_EVERY = withDefault("backup.differential_every", "24h",
            ValueParsers.positiveDuration(), "PGMANAGER_BACKUP_DIFFERENTIAL_EVERY");
    static final ConfigOption<Duration> BACKUP_RECOVERY_WINDOW = withDefault("backup.recovery_window", "7d",
            ValueParsers.positiveDuration(), "PGMANAGER_BACKUP_RECOVERY_WINDOW");
    static final ConfigOption<Duration> BACKUP_ARCHIVE_TIMEOUT = withDefault("backup.archive_timeout", "50s",
            ValueParsers.durationBetween("1s", "1h"), "PGMANAGER_BACKUP_ARCHIVE_TIMEOUT");
    /** Where each member's pgBackRest server listens (on its own address), so that the leader takes backups from a replica. */
    static final ConfigOption<Integer> BACKUP_SERVER_PORT =
            withDefault("backup.server_port", "8432", NetworkSyntax::port, "PGMANAGER_BACKUP_SERVER_PORT");
    static final ConfigOption<String> BACKUP_RESTORE_FROM =
            optional("backup.restore_from", ValueParsers::appName, "PGMANAGER_RESTORE_FROM");
    static final ConfigOption<String> BACKUP_RESTORE_BACKUP =
            optional("backup.restore_backup", ValueParsers::backupLabel, "PGMANAGER_RESTORE_BACKUP");
    static final ConfigOption<java.time.Instant> BACKUP_RESTORE_TARGET_TIME =
            optional("backup.restore_target_time", ValueParsers::instant, "PGMANAGER_RESTORE_TARGET_TIME");

    /** A primary outside the cluster that a new cluster starts as a standby of (moving over from postgres-flex). */
    static final ConfigOption<dev.pgmanager.net.HostPort> MIGRATE_FROM =
            optional("migration.source", NetworkSyntax::hostPort, "PGMANAGER_MIGRATE_FROM");
    static final ConfigOption<String> MIGRATE_FROM_USER =
            withDefault("migration.source_user", "repmgr", ValueParsers::roleName, "PGMANAGER_MIGRATE_FROM_USER");
    static final ConfigOption<String> MIGRATE_FROM_PASSWORD =
            optional("migration.source_password", ValueParsers::text, "PGMANAGER_MIGRATE_FROM_PASSWORD").asSecret();

    static final ConfigOption<LogFormat> LOG_FORMAT =
            withDefault("log.format", "text", ValueParsers::logFormat, "PGMANAGER_LOG_FORMAT");

    static final List<ConfigOption<?>> ALL = List.of(
            MACHINE_ID, APP, REGION, PRIMARY_REGION, FAILOVER_OUTSIDE_PRIMARY_REGION, ADDRESS,
            STORE_CONNECT, STORE_MODE, STORE_SESSION_TIMEOUT, STORE_CONNECT_TIMEOUT, STORE_AUTH,
            ENSEMBLE_SIZE, ENSEMBLE_CLIENT_PORT, ENSEMBLE_QUORUM_PORT, ENSEMBLE_ELECTION_PORT, ENSEMBLE_DATA_DIR,
            DATA_DIR, BIN_DIR, LISTEN_ADDRESS, PORT, SOCKET_DIR, OS_USER,
            SUPERUSER, SUPERUSER_PASSWORD, REPLICATION_USER, REPLICATION_PASSWORD, OPERATOR_PASSWORD, RESTORED_FROM, ALLOWED_NETWORKS,
            WAL_SEGMENT_SIZE,
            LOOP_WAIT, MAXIMUM_LAG_ON_FAILOVER, SLOT_RETENTION, NOFAILOVER, PRIORITY, STOP_HANDOVER_TIMEOUT, REALTIME_PRIORITY, AUTOGROUPS,
            VERIFY_ON_MIGRATION,
            SYNCHRONOUS_MODE, SYNCHRONOUS_NODE_COUNT, SYNCHRONOUS_MODE_STRICT, NOSYNC, FAILSAFE_MODE,
            API_LISTEN, API_TOKEN, FLY_API_LISTEN, FLY_API_ADMIN_FROM, METRICS_LISTEN, ROUTER_LISTEN, DNS_SERVERS, DNS_NAME_PATTERN,
            REWRITER_ENABLED, REWRITER_CGROUP, REWRITER_PIN_ROOT, REWRITER_RETENTION, REWRITER_REPORT_INTERVAL,
            DISK_READ_ONLY_AT, DISK_WRITABLE_BELOW,
            BACKUP_BUCKET, BACKUP_ENDPOINT, BACKUP_REGION, BACKUP_ACCESS_KEY_ID, BACKUP_SECRET_ACCESS_KEY, BACKUP_PATH,
            BACKUP_CA_FILE, BACKUP_ENABLED, BACKUP_FULL_EVERY, BACKUP_DIFFERENTIAL_EVERY, BACKUP_RECOVERY_WINDOW,
            BACKUP_ARCHIVE_TIMEOUT, BACKUP_SERVER_PORT, BACKUP_RESTORE_FROM, BACKUP_RESTORE_BACKUP, BACKUP_RESTORE_TARGET_TIME,
            MIGRATE_FROM, MIGRATE_FROM_USER, MIGRATE_FROM_PASSWORD, LOG_FORMAT);

    private ConfigOptions() {}
}
