package dev.pgmanager.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration files pgmanager owns inside a data directory.
 *
 * <p>Our settings live in {@code pgmanager.conf}, included once at the end of {@code postgresql.conf} so
 * that they win over it, while {@code ALTER SYSTEM} (postgresql.auto.conf, read last) still wins over
 * ours for an operator who really means it. We do not write postgresql.auto.conf: it belongs to
 * ALTER SYSTEM, which rewrites it whole. The upstream to follow is in a second file,
 * {@code pgmanager-upstream.conf}, so it can be replaced or emptied without touching anything else.
 *
 * <p>pg_basebackup and pg_rewind copy every config file from the source server, so after either the
 * files describe the source machine (its port, its upstream). That is why {@link #writeServerSettings}
 * runs before every start: the files are regenerated from this machine's configuration each time.
 */
final class ServerConfigFiles {
    static final String SETTINGS_FILE = "pgmanager.conf";
    static final String UPSTREAM_FILE = "pgmanager-upstream.conf";
    static final String SYNC_FILE = "pgmanager-sync.conf";
    static final String WRITES_FILE = "pgmanager-writes.conf";
    static final String CLUSTER_FILE = "pgmanager-cluster.conf";
    private static final Pattern SYNC_SETTING = Pattern.compile("(?m)^synchronous_standby_names = '(.*)'$");
    private static final String INCLUDE_LINE = "include '" + SETTINGS_FILE + "'";
    private static final Pattern FOLLOWED_ADDRESS = Pattern.compile("(?m)^primary_conninfo = '.*\\bhostaddr=''([^']*)''");
    private static final String HEADER = "# Written by pgmanager; it is regenerated, so edits here are lost.\n";

    private final DataDirectory dataDirectory;
    private final PostgresConfig config;
    private final OsUser osUser;

    ServerConfigFiles(DataDirectory dataDirectory, PostgresConfig config, OsUser osUser) {
        this.dataDirectory = dataDirectory;
        this.config = config;
        this.osUser = osUser;
    }

    /** This machine's server settings and client authentication rules. */
    void writeServerSettings() {
        includeSettingsFromPostgresqlConf();
        StringBuilder chosen = new StringBuilder("# memory sized from this machine, then the operator's postgres.parameters\n");
        config.settings().forEach((name, value) -> chosen.append(setting(name, value)));
        String settings = HEADER
                + "# pgmanager's defaults, which the settings below may change\n"
                + "wal_level = replica\n"
                // a replica needs at least the primary's value of both, so every member uses the same
                + "max_wal_senders = 10\n"
                + "max_replication_slots = 10\n"
                // pg_rewind reads the old primary's own WAL back to the last checkpoint before the
                // timelines diverged, which is often older than the last checkpoint the old primary made
                // itself (and recycled WAL behind); keep some, or every rewind turns into a re-clone.
                + "wal_keep_size = '256MB'\n"
                // a replica whose upstream refused it (a new leader still promoting, a slot not there yet) tries
                // again after this; PostgreSQL's 5 s default would hold up every failover's replicas, and a strict
                // synchronous primary's writes with them, by up to that long
                + "wal_retrieve_retry_interval = '1s'\n"
                // PostgreSQL's defaults, written out: initdb writes them into postgresql.conf as 5 and 64 segments, which
                // with pgmanager's 4 MB segments (WalSegmentSize) would be 20 MB and 256 MB, a checkpoint four times as often
                + "min_wal_size = '80MB'\n"
                + "max_wal_size = '1GB'\n"
                + chosen
                // the cluster's parameters (pgmanager config set, fly pg config update): the same on every member,
                // changed while the server runs; validated before they are stored, so none of pgmanager's own below
                + "# the cluster's parameters, from the store\n"
                + "include_if_exists = '" + CLUSTER_FILE + "'\n"
                + "# pgmanager's own, last so that they win\n"
                + setting("listen_addresses", String.join(",", config.listenAddresses()))
                + "port = " + config.port() + "\n"
                + setting("unix_socket_directories", config.socketDirectory().toString())
                // only the OS user (and root) may use the socket at all; pg_hba.conf admits it by peer identity
                + "unix_socket_permissions = 0700\n"
                + setting("cluster_name", config.machineId().value())
                // a switchover hands over once the WAL senders are gone, found by their process titles
                + "update_process_title = on\n"
                + "password_encryption = 'scram-sha-256'\n"
                + "hot_standby = on\n"
                // pg_rewind can only find the pages a diverged primary changed if every first change of a
                // page after a checkpoint is WAL-logged in full; checksums do that too, this keeps
                // rewind possible on clusters created without them
                + "wal_log_hints = on\n"
                + tlsSettings()
                + archiveSettings()
                // the server log goes to the file pg_ctl -l names, outside PGDATA
                + "logging_collector = off\n"
                + "include_if_exists = '" + UPSTREAM_FILE + "'\n"
                // the leader's choice of synchronous standbys, changed on its own while the server runs
                + "include_if_exists = '" + SYNC_FILE + "'\n"
                // user sessions refused writes while the volume is nearly full, changed on its own while the server runs
                + "include_if_exists = '" + WRITES_FILE + "'\n";
        osUser.writePrivateFile(dataDirectory.file(SETTINGS_FILE), settings);
        osUser.writePrivateFile(dataDirectory.file("pg_hba.conf"), hbaRules());
    }

    /** WAL archiving to the backup repository, when the cluster has one (see dev.pgmanager.backup). */
    private String archiveSettings() {
        StringBuilder settings = new StringBuilder();
        config.archiving().forEach((name, value) -> settings.append(setting(name, value)));
        return settings.toString();
    }

    /** TLS with this member's certificate, made on first use; off (and logged) when none can be made. */
    private String tlsSettings() {
        return new ServerCertificate(config.stateDirectory(), config.machineId(), osUser).ensure()
                .map(c -> "ssl = on\n" + setting("ssl_cert_file", c.certificate().toString()) + setting("ssl_key_file", c.key().toString()))
                .orElse("ssl = off\n");
    }

    /** primary_conninfo and primary_slot_name for following {@code upstream}. */
    void writeUpstream(Upstream upstream) {
        String conninfo = upstream.connInfo(upstream.replication().user())
                .with("passfile", config.passfile().toString())
                .with("application_name", config.machineId().applicationName())
                .toString();
        // recovery_target_timeline is left at its default, 'latest', which follows a promotion upstream;
        // setting it here would make emptying this file on promote a change that needs a restart
        osUser.writePrivateFile(dataDirectory.file(UPSTREAM_FILE), HEADER
                + setting("primary_conninfo", conninfo)
                + (upstream.useSlot() ? setting("primary_slot_name", config.machineId().slotName()) : ""));
    }

    /**
     * The {@code hostaddr} in the upstream file's primary_conninfo: the address the server connects to (or will at
     * its next start). Empty when it follows nobody, names no address, or the file is missing.
     */
    Optional<String> followedAddress() {
        Path file = dataDirectory.file(UPSTREAM_FILE);
        try {
            if (!Files.exists(file)) return Optional.empty();
            // In the file the conninfo's own quotes are doubled: hostaddr=''10.0.0.1''
            Matcher m = FOLLOWED_ADDRESS.matcher(Files.readString(file, StandardCharsets.UTF_8));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Sets {@code synchronous_standby_names} (a value of machine IDs in double quotes: no quote to escape). */
    void writeSynchronousStandbyNames(String value) {
        osUser.writePrivateFile(dataDirectory.file(SYNC_FILE), HEADER + setting("synchronous_standby_names", value));
    }

    /** The value {@link #writeSynchronousStandbyNames} wrote; empty when the file is missing or holds something else. */
    Optional<String> synchronousStandbyNames() {
        Path file = dataDirectory.file(SYNC_FILE);
        try {
            if (!Files.exists(file)) return Optional.empty();
            Matcher m = SYNC_SETTING.matcher(Files.readString(file, StandardCharsets.UTF_8));
            return m.find() ? Optional.of(m.group(1).replace("''", "'")) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The cluster's parameters, as the store's spec holds them (names and values checked by {@code ParameterCheck}
     * before they were stored). Returns whether the file changed.
     */
    boolean writeClusterParameters(java.util.Map<String, String> parameters) {
        StringBuilder text = new StringBuilder(HEADER);
        new java.util.TreeMap<>(parameters).forEach((name, value) -> text.append(name).append(" = ").append(quoted(value)).append('\n'));
        Path file = dataDirectory.file(CLUSTER_FILE);
        try {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contentEquals(text)) return false;
        } catch (IOException e) {
            // unreadable: write it again
        }
        osUser.writePrivateFile(file, text.toString());
        return true;
    }

    /** Makes user sessions read-only by default ({@code refused}) or leaves them as they were. */
    void writeUserWritesRefused(boolean refused) {
        osUser.writePrivateFile(dataDirectory.file(WRITES_FILE), HEADER + (refused ? "default_transaction_read_only = on\n" : ""));
    }

    /** Whether {@link #writeUserWritesRefused} last refused writes (a copy from another member may say so too). */
    boolean userWritesRefused() {
        Path file = dataDirectory.file(WRITES_FILE);
        try {
            return Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains("default_transaction_read_only = on");
        } catch (IOException e) {
            return false;
        }
    }

    /** Forgets the upstream: a primary follows nobody, and a stale conninfo would mislead a reader. */
    void clearUpstream() {
        osUser.writePrivateFile(dataDirectory.file(UPSTREAM_FILE), HEADER);
    }

    private String hbaRules() {
        Set<String> networks = new LinkedHashSet<>(PostgresConfig.LOOPBACK);
        networks.addAll(config.allowedNetworks());
        StringBuilder rules = new StringBuilder(HEADER)
                .append("# TYPE  DATABASE     USER  ADDRESS  METHOD\n")
                // No trust anywhere: on the socket the kernel vouches for the OS user, who may act as the role of
                // the same name (postgres); the sidecar and every other client use TCP with a SCRAM password.
                .append("local   all          all            peer\n")
                .append("local   replication  all            peer\n");
        String replicator = hbaName(config.replication().user());
        for (String network : networks) {
            // The replication role streams WAL and nothing else: a password that leaks from a replica's passfile
            // must not open the databases. Rules are read top down; "all" databases does not include replication.
            rules.append("host    all          ").append(replicator).append("  ").append(network).append("  reject\n");
            rules.append("host    all          all          ").append(network).append("  scram-sha-256\n");
            rules.append("host    replication  ").append(replicator).append("  ").append(network).append("  scram-sha-256\n");
        }
        return rules.toString();
    }

    private void includeSettingsFromPostgresqlConf() {
        Path conf = dataDirectory.file("postgresql.conf");
        try {
            List<String> lines = Files.readAllLines(conf, StandardCharsets.UTF_8);
            if (lines.stream().noneMatch(line -> line.strip().equals(INCLUDE_LINE))) {
                Files.writeString(conf, "\n# pgmanager's settings, last so that they win over the ones above\n"
                        + INCLUDE_LINE + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add pgmanager's include to " + conf, e);
        }
    }

    /** A postgresql.conf string setting; backslash and quote are both escape characters there. */
    private static String setting(String name, String value) {
        return name + " = " + quoted(value) + "\n";
    }

    private static String quoted(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static String hbaName(String role) {
        return "\"" + role.replace("\"", "\"\"") + "\"";
    }
}
