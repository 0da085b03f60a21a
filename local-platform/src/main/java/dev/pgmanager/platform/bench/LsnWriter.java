package dev.pgmanager.platform.bench;

import dev.pgmanager.platform.bench.BackupFigures.Write;
import dev.pgmanager.postgres.Lsn;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A steady writer for measuring the archive's lag: inserts a row every interval on one server and, once the insert has
 * committed, asks for the server's WAL write position, which is at or past the commit record. Each acknowledged write
 * is remembered with that position, so that a sampler can tell which acknowledged writes the archive does not hold yet.
 * One connection, made again after an error (a write that failed is not counted).
 */
final class LsnWriter implements AutoCloseable {
    private final String jdbcUrl;
    private final Properties credentials;
    private final String table;
    private final Duration interval;
    private final List<Write> acknowledged = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError = "";
    private volatile int errors;
    private Connection connection;

    LsnWriter(String jdbcUrl, String user, String password, String table, Duration interval) throws SQLException {
        this.jdbcUrl = jdbcUrl;
        this.credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        credentials.setProperty("connectTimeout", "2");
        credentials.setProperty("socketTimeout", "10");
        credentials.setProperty("sslmode", "disable");
        this.table = table;
        this.interval = interval;
        try (Connection c = DriverManager.getConnection(jdbcUrl, credentials); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (seq bigint PRIMARY KEY, written_at timestamptz DEFAULT now())");
        }
        this.thread = Thread.ofPlatform().name("lsn-writer-" + table).daemon().start(this::writeLoop);
    }

    private void writeLoop() {
        long seq = 1;
        long next = System.nanoTime();
        while (running) {
            try {
                if (connection == null) connection = DriverManager.getConnection(jdbcUrl, credentials);
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " (seq) VALUES (?)")) {
                    insert.setLong(1, seq++);
                    insert.executeUpdate();
                }
                Instant at = Instant.now();
                try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()")) {
                    r.next();
                    Write write = new Write(at, Lsn.parse(r.getString(1)));
                    synchronized (acknowledged) {
                        acknowledged.add(write);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                errors++;
                lastError = String.valueOf(e.getMessage());
                closeConnection();
            }
            next += interval.toNanos();
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(sleep));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            } else {
                next = System.nanoTime(); // fell behind: no burst to catch up
            }
        }
        closeConnection();
    }

    /** The acknowledged writes so far, in the order acknowledged. */
    List<Write> acknowledged() {
        synchronized (acknowledged) {
            return List.copyOf(acknowledged);
        }
    }

    int acknowledgedCount() {
        synchronized (acknowledged) {
            return acknowledged.size();
        }
    }

    int errors() {
        return errors;
    }

    String lastError() {
        return lastError;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(15));
    }

    private void closeConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // it is broken anyway
        }
        connection = null;
    }
}
