package dev.pgmanager.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a {@link PgStatus} and the replication slots over one JDBC connection. */
final class StatusReader {
    /** The SQL condition on a name from {@code pg_ls_waldir()} that picks the timeline history files. */
    private static final String HISTORY_FILE = "name ~ '^[0-9A-F]{8}\\.history$'";
    /**
     * The timeline a primary writes WAL on, read from the name of its current WAL segment (its first 8 hex digits). Not
     * {@code pg_control_checkpoint().timeline_id}: after a promotion the control file names the old timeline until a
     * checkpoint completes, although new WAL is already on the new one.
     */
    static final String WRITING_TIMELINE = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

    private StatusReader() {}

    static PgStatus read(Connection connection) throws SQLException {
        boolean inRecovery = queryBoolean(connection, "SELECT pg_is_in_recovery()");
        List<ReplicationConnection> replicas = replicationConnections(connection);
        Optional<WalReceiverStatus> receiver = walReceiver(connection);
        List<String> pendingRestart = pendingRestart(connection);
        if (!inRecovery) {
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery(
                         "SELECT pg_current_wal_lsn(), pg_current_wal_flush_lsn(), " + WRITING_TIMELINE)) {
                row.next();
                return new PgStatus(PgRole.PRIMARY, row.getInt(3), lsn(row, 1), lsn(row, 2),
                        Optional.empty(), Optional.empty(), replicas, receiver, pendingRestart, List.of(), Optional.empty());
            }
        }
        Optional<Integer> receiving = receiver.map(WalReceiverStatus::receivedTimeline).filter(tli -> tli > 0);
        int checkpointTimeline = queryInt(connection, "SELECT timeline_id FROM pg_control_checkpoint()");
        // Made while the receiver still streams (off the path of a failover), and without it only when the control file
        // may be behind: when pg_wal holds the history of a newer timeline (a replica fetches it before it follows one).
        // The restartpoint after a switchover's shutdown checkpoint takes tens of milliseconds, at the very moment this
        // replica is to take over.
        boolean behind = receiving.map(tli -> tli > checkpointTimeline)
                .orElseGet(() -> newestKnownTimeline(connection) > checkpointTimeline);
        if (behind) makeRestartpoint(connection);
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(),
                            (SELECT timeline_id FROM pg_control_checkpoint()),
                            (SELECT array_agg(slot_name::text ORDER BY slot_name) FROM pg_replication_slots
                             WHERE slot_type = 'physical' AND NOT active)""")) {
            row.next();
            // While streaming, the timeline is the one the WAL receiver is receiving: that is the one
            // this replica follows and the one failover must compare. Without a receiver the best we
            // have is the timeline of the last restartpoint, which can lag behind what was replayed.
            int timeline = receiver.map(WalReceiverStatus::receivedTimeline)
                    .filter(tli -> tli > 0)
                    .orElse(row.getInt(3));
            java.sql.Array idle = row.getArray(4);
            List<String> idleSlots = idle == null ? List.of() : List.of((String[]) idle.getArray());
            Optional<Lsn> replayed = lsn(row, 2);
            return new PgStatus(PgRole.REPLICA, timeline, Optional.empty(), Optional.empty(),
                    lsn(row, 1), replayed, replicas, receiver, pendingRestart, idleSlots,
                    // Only with a WAL receiver: without one the timeline is the last restartpoint's, which on a replica
                    // that followed the new timeline well can still name the old one after it replayed past the switch.
                    receiving.isPresent() ? replayed.flatMap(position -> pastSwitchpoint(connection, timeline, position))
                            : Optional.empty());
        }
    }

    /**
     * Whether the newest timeline this replica knows of (its history file is in pg_wal: a WAL receiver fetches it from
     * the primary before it follows) left {@code timeline} before {@code replayed}, PostgreSQL's own test before it
     * follows a newer timeline. Nothing is known when the history cannot be read.
     */
    private static Optional<PastSwitchpoint> pastSwitchpoint(Connection connection, int timeline, Lsn replayed) {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT name, pg_read_file('pg_wal/' || name) FROM (SELECT name FROM pg_ls_waldir()
                     WHERE %s ORDER BY name DESC LIMIT 1) newest""".formatted(HISTORY_FILE))) {
            if (!row.next()) return Optional.empty();
            int newest = Integer.parseInt(row.getString(1).substring(0, 8), 16);
            if (newest <= timeline) return Optional.empty();
            return Optional.ofNullable(TimelineHistory.switchpoints(row.getString(2)).get((long) timeline))
                    .filter(replayed::isAfter)
                    .map(switchpoint -> new PastSwitchpoint(newest, switchpoint, replayed));
        } catch (SQLException | RuntimeException e) {
            return Optional.empty(); // unknown: the sidecar falls back on how long the replica has not streamed
        }
    }

    /** The settings the server was given (a reload read them) but applies only at its next start. */
    static List<String> pendingRestart(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name FROM pg_settings WHERE pending_restart ORDER BY name")) {
            while (rows.next()) names.add(rows.getString(1));
        }
        return names;
    }

    /** The newest timeline whose history file is in pg_wal (1, which has none, without one). */
    private static int newestKnownTimeline(Connection connection) {
        try {
            return queryInt(connection, """
                    SELECT coalesce(max(('x' || substr(name, 1, 8))::bit(32)::int), 1) FROM pg_ls_waldir()
                    WHERE %s""".formatted(HISTORY_FILE));
        } catch (SQLException e) {
            return Integer.MAX_VALUE; // unknown: make the restartpoint, as before this check
        }
    }

    static int queryInt(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getInt(1);
        }
    }

    /**
     * Brings the control file's timeline up to what this replica has replayed. Without a WAL receiver (its primary just
     * died) the timeline can only come from the last restartpoint, and a replica that followed a promotion over
     * streaming has replayed the new timeline's checkpoint without necessarily having made a restartpoint there yet: it
     * would look stuck on the old timeline and be excluded from the very failover it should win. CHECKPOINT on a standby
     * makes that restartpoint, and returns at once when no checkpoint record was replayed since the last one. A replica
     * that never replayed the new timeline (it diverged) stays on its old one, as it must.
     */
    private static void makeRestartpoint(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT");
        } catch (SQLException e) {
            // the last restartpoint's timeline is still the best left; failover just may not pick this member
        }
    }

    static List<ReplicationSlot> slots(Connection connection) throws SQLException {
        List<ReplicationSlot> slots = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT slot_name, slot_type, active, restart_lsn FROM pg_replication_slots ORDER BY slot_name")) {
            while (rows.next()) {
                slots.add(new ReplicationSlot(rows.getString(1), rows.getString(2), rows.getBoolean(3), lsn(rows, 4)));
            }
        }
        return slots;
    }

    private static List<ReplicationConnection> replicationConnections(Connection connection) throws SQLException {
        List<ReplicationConnection> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT application_name, host(client_addr), state, sent_lsn, write_lsn, flush_lsn,
                            replay_lsn, sync_state, (EXTRACT(EPOCH FROM replay_lag) * 1000000)::bigint
                     FROM pg_stat_replication ORDER BY application_name""")) {
            while (row.next()) {
                long lagMicros = row.getLong(9);
                Optional<Duration> replayLag = row.wasNull() ? Optional.empty() : Optional.of(Duration.ofNanos(lagMicros * 1000));
                rows.add(new ReplicationConnection(row.getString(1), Optional.ofNullable(row.getString(2)),
                        row.getString(3), lsn(row, 4), lsn(row, 5), lsn(row, 6), lsn(row, 7), row.getString(8), replayLag));
            }
        }
        return rows;
    }

    private static Optional<WalReceiverStatus> walReceiver(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT status, sender_host, sender_port, slot_name, received_tli, flushed_lsn
                     FROM pg_stat_wal_receiver""")) {
            if (!row.next()) {
                return Optional.empty();
            }
            int port = row.getInt(3);
            Optional<Integer> senderPort = row.wasNull() ? Optional.empty() : Optional.of(port);
            return Optional.of(new WalReceiverStatus(row.getString(1), Optional.ofNullable(row.getString(2)),
                    senderPort, Optional.ofNullable(row.getString(4)), row.getInt(5), lsn(row, 6)));
        }
    }

    static boolean queryBoolean(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getBoolean(1);
        }
    }

    private static Optional<Lsn> lsn(ResultSet row, int column) throws SQLException {
        return Optional.ofNullable(row.getString(column)).map(Lsn::parse);
    }
}
