package dev.pgmanager.postgres;

import java.sql.Connection;
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
    /**
     * What a status needs, as one batch: pgjdbc sends the statements together and PostgreSQL answers them in one round
     * trip. Seven round trips took 20-25 ms of a switchover target's pass on a busy machine, each one waiting for the
     * backend to be scheduled. An error in any statement fails the whole status, so each one works on a primary and on a
     * replica alike, and reads nothing that may be unreadable: the primary's positions are read only outside recovery (a
     * promotion between the statements shows a replica, as the first one said), and a timeline history file's content
     * only when it matters, apart ({@link #pastSwitchpoint}).
     */
    private static final String STATUS_BATCH = String.join(";\n",
            "SELECT pg_is_in_recovery()",
            """
            SELECT application_name, host(client_addr), state, sent_lsn, write_lsn, flush_lsn,
                   replay_lsn, sync_state, (EXTRACT(EPOCH FROM replay_lag) * 1000000)::bigint
            FROM pg_stat_replication ORDER BY application_name""",
            "SELECT status, sender_host, sender_port, slot_name, received_tli, flushed_lsn FROM pg_stat_wal_receiver",
            "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name",
            """
            SELECT pg_current_wal_lsn(), pg_current_wal_flush_lsn(), %s
            FROM (SELECT pg_is_in_recovery() AS in_recovery) recovery WHERE NOT in_recovery""".formatted(WRITING_TIMELINE),
            """
            SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(),
                   (SELECT timeline_id FROM pg_control_checkpoint()),
                   (SELECT array_agg(slot_name::text ORDER BY slot_name) FROM pg_replication_slots
                    WHERE slot_type = 'physical' AND NOT active)""",
            // A replica's newest timeline history file in pg_wal (a WAL receiver fetches it before it follows that
            // timeline); not looked for on a primary, whose pg_wal a slot may have filled with thousands of segments
            """
            SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT max(name) FROM pg_ls_waldir() WHERE %s) END"""
                    .formatted(HISTORY_FILE));

    private StatusReader() {}

    static PgStatus read(Connection connection) throws SQLException {
        Batch batch = Batch.read(connection);
        // Without a WAL receiver (its primary just died) a replica's timeline can only come from its last restartpoint:
        // made when the control file may be behind, and then the status is read again. Made while the receiver still
        // streams (off the path of a failover), and without it only when pg_wal holds the history of a newer timeline
        // (a replica fetches it before it follows one). The restartpoint after a switchover's shutdown checkpoint takes
        // tens of milliseconds, at the very moment this replica is to take over.
        if (batch.controlFileBehind()) {
            makeRestartpoint(connection);
            batch = Batch.read(connection);
        }
        return batch.status(connection);
    }

    /** The answers to {@link #STATUS_BATCH}, in its order. */
    private record Batch(boolean inRecovery, List<ReplicationConnection> replicas, Optional<WalReceiverStatus> receiver,
            List<String> pendingRestart, Optional<PrimaryPositions> primary, ReplicaPositions replica,
            Optional<Integer> newestHistoryTimeline) {

        static Batch read(Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement()) {
                statement.execute(STATUS_BATCH);
                var results = new Results(statement);
                return new Batch(results.next(rows -> {
                    rows.next();
                    return rows.getBoolean(1);
                }), results.next(StatusReader::replicationConnections), results.next(StatusReader::walReceiver),
                        results.next(StatusReader::names), results.next(PrimaryPositions::read), results.next(ReplicaPositions::read),
                        results.next(StatusReader::newestHistoryTimeline));
            }
        }

        Optional<Integer> receivingTimeline() {
            return receiver.map(WalReceiverStatus::receivedTimeline).filter(tli -> tli > 0);
        }

        boolean controlFileBehind() {
            if (!inRecovery) return false;
            int newestKnown = newestHistoryTimeline.orElse(1);
            return receivingTimeline().orElse(newestKnown) > replica.checkpointTimeline();
        }

        PgStatus status(Connection connection) {
            if (!inRecovery && primary.isPresent()) {
                PrimaryPositions p = primary.get();
                return new PgStatus(PgRole.PRIMARY, p.timeline(), p.current(), p.flushed(), Optional.empty(), Optional.empty(),
                        replicas, receiver, pendingRestart, List.of(), Optional.empty());
            }
            // While streaming, the timeline is the one the WAL receiver is receiving: that is the one this replica
            // follows and the one failover must compare. Without a receiver the best we have is the timeline of the last
            // restartpoint, which can lag behind what was replayed.
            int timeline = receivingTimeline().orElse(replica.checkpointTimeline());
            return new PgStatus(PgRole.REPLICA, timeline, Optional.empty(), Optional.empty(), replica.received(), replica.replayed(),
                    replicas, receiver, pendingRestart, replica.idleSlots(),
                    // Only with a WAL receiver: without one the timeline is the last restartpoint's, which on a replica
                    // that followed the new timeline well can still name the old one after it replayed past the switch.
                    receivingTimeline().isPresent() && newestHistoryTimeline.filter(newest -> newest > timeline).isPresent()
                            ? replica.replayed().flatMap(position -> pastSwitchpoint(connection, timeline, position))
                            : Optional.empty());
        }
    }

    /** A primary's row: where WAL is inserted and flushed, and the timeline it is written on. */
    private record PrimaryPositions(Optional<Lsn> current, Optional<Lsn> flushed, int timeline) {
        static Optional<PrimaryPositions> read(ResultSet row) throws SQLException {
            if (!row.next()) return Optional.empty();
            return Optional.of(new PrimaryPositions(lsn(row, 1), lsn(row, 2), row.getInt(3)));
        }
    }

    /** A replica's row (on a primary, the positions are empty). */
    private record ReplicaPositions(Optional<Lsn> received, Optional<Lsn> replayed, int checkpointTimeline, List<String> idleSlots) {
        static ReplicaPositions read(ResultSet row) throws SQLException {
            row.next();
            java.sql.Array idle = row.getArray(4);
            List<String> idleSlots = idle == null ? List.of() : List.of((String[]) idle.getArray());
            return new ReplicaPositions(lsn(row, 1), lsn(row, 2), row.getInt(3), idleSlots);
        }
    }

    /** The timeline of the newest history file, if a replica has one (one that does not fit an int is not one of ours). */
    private static Optional<Integer> newestHistoryTimeline(ResultSet row) throws SQLException {
        row.next();
        String name = row.getString(1);
        if (name == null) return Optional.empty();
        long timeline = Long.parseLong(name.substring(0, 8), 16);
        return timeline > Integer.MAX_VALUE ? Optional.empty() : Optional.of((int) timeline);
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

    /** Steps through a batch's result sets in order. */
    private static final class Results {
        private final Statement statement;
        private boolean first = true;

        Results(Statement statement) {
            this.statement = statement;
        }

        <T> T next(ResultReader<T> reader) throws SQLException {
            if (!first && !statement.getMoreResults()) throw new SQLException("the status batch answered fewer results than it asked");
            first = false;
            try (ResultSet rows = statement.getResultSet()) {
                return reader.read(rows);
            }
        }
    }

    @FunctionalInterface
    private interface ResultReader<T> {
        T read(ResultSet rows) throws SQLException;
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

    private static List<ReplicationConnection> replicationConnections(ResultSet row) throws SQLException {
        List<ReplicationConnection> rows = new ArrayList<>();
        while (row.next()) {
            long lagMicros = row.getLong(9);
            Optional<Duration> replayLag = row.wasNull() ? Optional.empty() : Optional.of(Duration.ofNanos(lagMicros * 1000));
            rows.add(new ReplicationConnection(row.getString(1), Optional.ofNullable(row.getString(2)),
                    row.getString(3), lsn(row, 4), lsn(row, 5), lsn(row, 6), lsn(row, 7), row.getString(8), replayLag));
        }
        return rows;
    }

    private static Optional<WalReceiverStatus> walReceiver(ResultSet row) throws SQLException {
        if (!row.next()) return Optional.empty();
        int port = row.getInt(3);
        Optional<Integer> senderPort = row.wasNull() ? Optional.empty() : Optional.of(port);
        return Optional.of(new WalReceiverStatus(row.getString(1), Optional.ofNullable(row.getString(2)),
                senderPort, Optional.ofNullable(row.getString(4)), row.getInt(5), lsn(row, 6)));
    }

    /** The first column of every row. */
    private static List<String> names(ResultSet rows) throws SQLException {
        List<String> names = new ArrayList<>();
        while (rows.next()) names.add(rows.getString(1));
        return names;
    }

    private static Optional<Lsn> lsn(ResultSet row, int column) throws SQLException {
        return Optional.ofNullable(row.getString(column)).map(Lsn::parse);
    }
}
