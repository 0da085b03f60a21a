package dev.pgmanager.postgres;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The server settings pgmanager writes itself, after every parameter an operator gives (see {@code ServerConfigFiles}):
 * replication, failover, fencing, TLS and backups depend on them, so a parameter of that name would not count, or would
 * break them. A few others are tunable only within limits.
 */
public final class ManagedSettings {
    private static final Set<String> OWN = Set.of("listen_addresses", "port", "unix_socket_directories",
            "unix_socket_permissions", "unix_socket_group", "cluster_name", "update_process_title", "password_encryption", "hot_standby",
            "wal_log_hints", "ssl", "ssl_cert_file", "ssl_key_file", "logging_collector", "primary_conninfo",
            "primary_slot_name", "synchronous_standby_names", "default_transaction_read_only", "archive_mode",
            "archive_command", "archive_library", "archive_timeout", "restore_command", "data_directory", "hba_file",
            "ident_file", "config_file", "external_pid_file", "recovery_target", "recovery_target_lsn",
            "recovery_target_name", "recovery_target_time", "recovery_target_xid", "recovery_target_action",
            "recovery_target_timeline", "recovery_target_inclusive", "promote_trigger_file", "include", "include_dir",
            "include_if_exists");

    /** Senders and slots: each replica's, plus a clone, a backup and a rejoin at once, in the smallest cluster. */
    static final int REPLICATION_FLOOR = 5;

    private ManagedSettings() {}

    /** Why {@code name} cannot be set to {@code value} as a parameter; empty when it can. */
    public static Optional<String> whyNot(String name, String value) {
        String key = name.toLowerCase(Locale.ROOT);
        if (OWN.contains(key)) {
            return Optional.of("pgmanager sets " + name + " itself (replication, failover, fencing, TLS or backups depend on it)");
        }
        if ((key.equals("max_wal_senders") || key.equals("max_replication_slots")) && value.strip().matches("\\d+")
                && Integer.parseInt(value.strip()) < REPLICATION_FLOOR) {
            return Optional.of(name + " below " + REPLICATION_FLOOR + " leaves too few for the replicas, their slots, a clone and a backup "
                    + "at once");
        }
        if (key.equals("wal_level") && value.strip().equalsIgnoreCase("minimal")) {
            return Optional.of("wal_level minimal leaves nothing for replicas to stream: use replica (the default) or logical");
        }
        return Optional.empty();
    }
}
