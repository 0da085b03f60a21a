package dev.pgmanager.sidecar;

import dev.pgmanager.sidecar.MetricFamilies.Family;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads PostgreSQL's statistics views and numeric settings over one connection, into metric families named and
 * labelled as postgres_exporter (prometheus-community, 0.20) names them, one of its collectors per part. Every query
 * gets only what is left of the scrape's deadline. A part whose query fails (a view changed in a newer PostgreSQL) is
 * left out and reported in {@code pg_scrape_collector_success}; a server that no longer answers fails the whole read.
 */
final class PostgresStatistics {
    /** Reads one part; the queries it runs get what is left of the deadline. */
    @FunctionalInterface
    private interface Part {
        void read() throws SQLException;
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    /** The WAL position a lag is measured from: the server's own on a primary, what it received on a replica. */
    private static final String WAL_POSITION =
            "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END";
    private static final String[] ACTIVITY_STATES = {
            "active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled"};
    private static final String[] LOCK_MODES = {
            "accesssharelock", "rowsharelock", "rowexclusivelock", "shareupdateexclusivelock", "sharelock",
            "sharerowexclusivelock", "exclusivelock", "accessexclusivelock", "sireadlock"};
    private static final List<String> STAT_DATABASE_COUNTERS = List.of(
            "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched", "tup_inserted",
            "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes", "deadlocks", "blk_read_time",
            "blk_write_time");
    /** PostgreSQL 15's columns; from 17 on the checkpoint ones moved to pg_stat_checkpointer and are not read. */
    private static final List<String> BGWRITER_COUNTERS = List.of(
            "checkpoints_timed", "checkpoints_req", "checkpoint_write_time", "checkpoint_sync_time", "buffers_checkpoint",
            "buffers_clean", "maxwritten_clean", "buffers_backend", "buffers_backend_fsync", "buffers_alloc");

    private final Connection connection;
    private final Deadline deadline;
    private final MetricFamilies families = new MetricFamilies();
    private final Map<String, String> failures = new LinkedHashMap<>();

    PostgresStatistics(Connection connection, Deadline deadline) {
        this.connection = connection;
        this.deadline = deadline;
    }

    /** Reads every part; throws when the server stopped answering or the deadline passed before the end. */
    MetricFamilies read() throws SQLException {
        Family success = families.gauge("pg_scrape_collector_success", "Whether a collector succeeded.", "collector");
        Map<String, Part> parts = new LinkedHashMap<>();
        parts.put("database", this::databaseSizes);
        parts.put("stat_activity", this::activity);
        parts.put("stat_database", this::statDatabase);
        parts.put("locks", this::locks);
        parts.put("replication", this::replication);
        parts.put("stat_replication", this::statReplication);
        parts.put("stat_wal_receiver", this::walReceiver);
        parts.put("replication_slots", this::replicationSlots);
        parts.put("settings", this::settings);
        parts.put("stat_bgwriter", this::bgwriter);
        for (Map.Entry<String, Part> part : parts.entrySet()) {
            try {
                part.getValue().read();
                success.add(1, part.getKey());
            } catch (SQLException e) {
                if (serverGone(e)) throw e;
                failures.put(part.getKey(), e.getMessage());
                success.add(0, part.getKey());
            }
        }
        return families;
    }

    /** The parts that failed in {@link #read}, with PostgreSQL's reason. */
    Map<String, String> failures() {
        return failures;
    }

    private void databaseSizes() throws SQLException {
        series("SELECT datname, pg_database_size(oid)::float8 FROM pg_database",
                families.gauge("pg_database_size_bytes", "Disk space used by the database", "datname"));
    }

    /** Connections per database and state, every state of every database listed (0 when none), this one left out. */
    private void activity() throws SQLException {
        String[] labels = {"datname", "state"};
        series("""
                SELECT d.datname, s.state, COALESCE(a.count, 0)::float8, COALESCE(a.max_tx_duration, 0)::float8
                FROM pg_database d CROSS JOIN (VALUES %s) AS s(state)
                LEFT JOIN (SELECT datname, state, count(*) AS count,
                                  MAX(EXTRACT(EPOCH FROM now() - xact_start)) AS max_tx_duration
                           FROM pg_stat_activity WHERE pid <> pg_backend_pid() GROUP BY datname, state) a
                  ON a.datname = d.datname AND a.state = s.state""".formatted(valuesList(ACTIVITY_STATES)),
                families.gauge("pg_stat_activity_count", "number of connections in this state", labels),
                families.gauge("pg_stat_activity_max_tx_duration", "max duration in seconds any active transaction has been running",
                        labels));
    }

    /** numbackends is a gauge, the rest counters since the statistics were last reset. */
    private void statDatabase() throws SQLException {
        String[] labels = {"datid", "datname"};
        List<Family> columns = new ArrayList<>();
        columns.add(families.gauge("pg_stat_database_numbackends", "Number of backends currently connected to this database",
                labels));
        for (String counter : STAT_DATABASE_COUNTERS) {
            columns.add(families.untyped("pg_stat_database_" + counter, "pg_stat_database." + counter + " (a counter)", labels));
        }
        series("SELECT datid::text, datname, numbackends, " + String.join(", ", STAT_DATABASE_COUNTERS)
                + " FROM pg_stat_database WHERE datname IS NOT NULL", columns.toArray(Family[]::new));
    }

    private void locks() throws SQLException {
        series("""
                SELECT d.datname, m.mode, COALESCE(l.count, 0)::float8
                FROM pg_database d CROSS JOIN (VALUES %s) AS m(mode)
                LEFT JOIN (SELECT database, lower(mode) AS mode, count(*) AS count FROM pg_locks
                           WHERE database IS NOT NULL GROUP BY database, lower(mode)) l
                  ON l.database = d.oid AND l.mode = m.mode""".formatted(valuesList(LOCK_MODES)),
                families.gauge("pg_locks_count", "Number of locks", "datname", "mode"));
    }

    /**
     * This server's own replication state. A replica that has replayed all it received is not behind, however long
     * ago its last transaction came; a primary is never behind.
     */
    private void replication() throws SQLException {
        series("""
                SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
                            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())) END::float8,
                       pg_is_in_recovery()::int::float8,
                       GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))::float8""",
                families.gauge("pg_replication_lag_seconds", "Replication lag behind master in seconds"),
                families.gauge("pg_replication_is_replica", "Indicates if the server is a replica"),
                families.gauge("pg_replication_last_replay_seconds", "Age of last replay in seconds"));
    }

    /**
     * One series per WAL sender. PostgreSQL shows no replay_lag for a standby that caught up a while ago: one that
     * replayed everything is 0 seconds behind.
     */
    private void statReplication() throws SQLException {
        String[] labels = {"application_name", "client_addr", "state", "slot_name"};
        series("""
                SELECT r.application_name, r.client_addr::text, r.state, s.slot_name,
                       pg_wal_lsn_diff(%1$s, '0/0')::float8,
                       pg_wal_lsn_diff(%1$s, r.replay_lsn)::float8,
                       CASE WHEN r.replay_lag IS NOT NULL THEN EXTRACT(EPOCH FROM r.replay_lag)
                            WHEN r.replay_lsn >= %1$s THEN 0 END::float8
                FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid""".formatted(WAL_POSITION),
                families.gauge("pg_stat_replication_pg_current_wal_lsn_bytes", "WAL position in bytes", labels),
                families.gauge("pg_stat_replication_pg_wal_lsn_diff", "Lag in bytes between master and slave", labels),
                families.gauge("pg_stat_replication_replay_lag_seconds",
                        "How long ago the standby confirmed replaying the WAL it has replayed (replay_lag; 0 once caught up)",
                        labels));
    }

    /** The WAL receiver of a replica. LSNs are taken modulo 2^52, as postgres_exporter does, to stay exact in a double. */
    private void walReceiver() throws SQLException {
        String[] labels = {"upstream_host", "slot_name", "status"};
        // Only the host is taken from conninfo (which PostgreSQL shows with any password masked), never the rest of it.
        series("""
                SELECT trim(both '''' from substring(conninfo from 'host=([^ ]*)')), slot_name, status,
                       ((receive_start_lsn - '0/0') % (2^52)::bigint)::float8, receive_start_tli::float8,
                       ((flushed_lsn - '0/0') % (2^52)::bigint)::float8, received_tli::float8,
                       EXTRACT(EPOCH FROM last_msg_send_time)::float8, EXTRACT(EPOCH FROM last_msg_receipt_time)::float8,
                       ((latest_end_lsn - '0/0') % (2^52)::bigint)::float8, EXTRACT(EPOCH FROM latest_end_time)::float8
                FROM pg_stat_wal_receiver""",
                families.untyped("pg_stat_wal_receiver_receive_start_lsn",
                        "First write-ahead log location used when WAL receiver is started represented as a decimal", labels),
                families.gauge("pg_stat_wal_receiver_receive_start_tli", "First timeline number used when WAL receiver is started",
                        labels),
                families.untyped("pg_stat_wal_receiver_flushed_lsn",
                        "Last write-ahead log location already received and flushed to disk", labels),
                families.gauge("pg_stat_wal_receiver_received_tli",
                        "Timeline number of last write-ahead log location received and flushed to disk", labels),
                families.untyped("pg_stat_wal_receiver_last_msg_send_time",
                        "Send time of last message received from origin WAL sender", labels),
                families.untyped("pg_stat_wal_receiver_last_msg_receipt_time",
                        "Receipt time of last message received from origin WAL sender", labels),
                families.untyped("pg_stat_wal_receiver_latest_end_lsn",
                        "Last write-ahead log location reported to origin WAL sender as integer", labels),
                families.untyped("pg_stat_wal_receiver_latest_end_time",
                        "Time of last write-ahead log location reported to origin WAL sender", labels));
    }

    private void replicationSlots() throws SQLException {
        String[] labels = {"slot_name", "database"};
        series("SELECT slot_name, database, active::int::float8, pg_wal_lsn_diff(" + WAL_POSITION + ", restart_lsn)::float8 "
                        + "FROM pg_replication_slots",
                families.gauge("pg_replication_slots_active", "Flag indicating if the slot is active", labels),
                families.gauge("pg_replication_slots_pg_wal_lsn_diff", "Replication lag in bytes", labels));
    }

    /** The server's settings, not this session's: the scrape's own connection SETs statement_timeout. */
    private void settings() throws SQLException {
        each("""
                SELECT name, CASE WHEN source = 'session' THEN reset_val ELSE setting END, unit, vartype
                FROM pg_settings WHERE vartype IN ('bool', 'integer', 'real')""",
                row -> SettingMetric.of(row.getString(1), row.getString(2), row.getString(3), row.getString(4))
                        .ifPresent(setting -> families.gauge(setting.name(), setting.help()).add(setting.value())));
    }

    /** Whichever of the known columns this server's pg_stat_bgwriter has. */
    private void bgwriter() throws SQLException {
        each("SELECT * FROM pg_stat_bgwriter", row -> {
            ResultSetMetaData columns = row.getMetaData();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                String column = columns.getColumnName(i);
                if (!BGWRITER_COUNTERS.contains(column)) continue;
                addIfPresent(families.counter("pg_stat_bgwriter_" + column + "_total", "pg_stat_bgwriter." + column), row, i);
            }
        });
    }

    /**
     * Runs {@code sql}, whose first columns are the label values its families share and each further column the
     * value of one family, in order. A NULL value makes no series (postgres_exporter writes none either).
     */
    private void series(String sql, Family... columns) throws SQLException {
        int labels = columns[0].labelCount();
        each(sql, row -> {
            String[] labelValues = new String[labels];
            for (int i = 0; i < labels; i++) labelValues[i] = row.getString(i + 1);
            for (int i = 0; i < columns.length; i++) addIfPresent(columns[i], row, labels + i + 1, labelValues);
        });
    }

    /** Runs {@code sql} with what is left of the deadline and hands each row to {@code reader}. */
    private void each(String sql, RowReader reader) throws SQLException {
        long millis = deadline.remaining().toMillis();
        if (millis <= 0) throw new SQLTimeoutException("the metrics scrape's deadline passed");
        // pgjdbc gives up a read after this long and closes the connection; the server's statement_timeout ends the query
        connection.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, millis));
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) reader.read(rows);
        }
    }

    private static void addIfPresent(Family family, ResultSet row, int column, String... labelValues) throws SQLException {
        double value = row.getDouble(column);
        if (!row.wasNull()) family.add(value, labelValues);
    }

    private static String valuesList(String[] values) {
        return String.join(", ", Arrays.stream(values).map(v -> "('" + v + "')").toList());
    }

    /** The server stopped answering (or the time is up), as opposed to one query it refused. */
    private boolean serverGone(SQLException e) throws SQLException {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        // 08: connection exceptions; 57: canceled (statement_timeout) or shut down by an operator
        return deadline.passed() || connection.isClosed() || state.startsWith("08") || state.startsWith("57")
                || e instanceof SQLTimeoutException;
    }
}
