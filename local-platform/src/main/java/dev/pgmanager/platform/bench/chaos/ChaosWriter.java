package dev.pgmanager.platform.bench.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * A client that inserts into the history table every interval and remembers, for each acknowledged insert, what the
 * server said about it (member, epoch, WAL position) and when it was sent and acknowledged. It reconnects after a
 * connection error, to the URL {@code url} gives at that moment (a migrated member has a new address). A server that
 * refuses the write (a replica: read-only) keeps the connection: such a writer probes one member directly.
 */
final class ChaosWriter implements AutoCloseable {
    static final String TABLE = "chaos_history";
    /** The timeline WAL is inserted on now: the first 8 hex digits of the current WAL file's name. */
    private static final String INSERT = "INSERT INTO " + TABLE + " (writer, seq, member, epoch, lsn) VALUES (?, ?, "
            + "current_setting('cluster_name'), ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int, "
            + "pg_current_wal_insert_lsn() - '0/0') RETURNING member, epoch, lsn";
    static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + " (writer text, seq bigint, member text NOT NULL, "
            + "epoch bigint NOT NULL, lsn numeric NOT NULL, PRIMARY KEY (writer, seq))";

    private final String name;
    private final boolean probe;
    private final Supplier<String> url;
    private final Properties credentials;
    private final Duration interval;
    private final List<Write> acknowledged = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private Connection connection;

    /**
     * @param probe whether it writes to one member directly (and so keeps its connection when that member is a
     *     replica); otherwise {@code url} finds the primary, and any error sends it looking again
     */
    ChaosWriter(String name, boolean probe, Supplier<String> url, String password, Duration interval) {
        this.name = name;
        this.probe = probe;
        this.url = url;
        this.interval = interval;
        this.credentials = new Properties();
        credentials.setProperty("user", "postgres");
        credentials.setProperty("password", password);
        credentials.setProperty("connectTimeout", "2");
        credentials.setProperty("socketTimeout", "5");
        credentials.setProperty("loginTimeout", "3");
        this.thread = Thread.ofPlatform().name("chaos-writer-" + name).daemon().start(this::writeLoop);
    }

    String name() {
        return name;
    }

    /** The acknowledged writes so far, in the order they were acknowledged. */
    synchronized List<Write> acknowledged() {
        return List.copyOf(acknowledged);
    }

    synchronized long lastAcknowledgedNanos() {
        return acknowledged.isEmpty() ? Long.MIN_VALUE : acknowledged.getLast().ackedNanos();
    }

    /** The member that acknowledged the last write ("" before the first). */
    synchronized String lastAcknowledgedBy() {
        return acknowledged.isEmpty() ? "" : acknowledged.getLast().member();
    }

    private void writeLoop() {
        long seq = 1;
        while (running) {
            long started = System.nanoTime();
            try {
                if (connection == null) connection = DriverManager.getConnection(url.get(), credentials);
                // A probe asks first, so that a replica's log does not fill with refused inserts; the server still decides.
                if (!(probe && inRecovery())) writeOnce(seq);
            } catch (SQLException e) {
                // A read-only server (a replica) keeps the connection; anything else may be a broken one.
                if (!(probe && refusedByReplica(e))) closeConnection();
            } finally {
                // An insert whose outcome is unknown may still have committed: its number is never used again.
                seq++;
            }
            long left = interval.toMillis() - (System.nanoTime() - started) / 1_000_000;
            if (left > 0) sleep(left);
        }
        closeConnection();
    }

    private void writeOnce(long seq) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setString(1, name);
            insert.setLong(2, seq);
            long sent = System.nanoTime();
            try (ResultSet r = insert.executeQuery()) {
                r.next();
                Write w = new Write(name, seq, r.getString(1), r.getLong(2), r.getLong(3), sent, System.nanoTime());
                synchronized (this) {
                    acknowledged.add(w);
                }
            }
        }
    }

    private boolean inRecovery() throws SQLException {
        try (var s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            r.next();
            return r.getBoolean(1);
        }
    }

    /** read_only_sql_transaction, or "recovery is in progress" from pg_walfile_name. */
    private static boolean refusedByReplica(SQLException e) {
        return "25006".equals(e.getSQLState()) || "55000".equals(e.getSQLState());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(10));
    }

    private void closeConnection() {
        try (Connection broken = connection) {
            connection = null;
        } catch (SQLException ignored) {
            // it is gone either way
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            running = false;
        }
    }
}
