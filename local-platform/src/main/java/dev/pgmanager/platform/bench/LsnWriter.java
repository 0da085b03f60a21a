package dev.pgmanager.platform.bench;

import dev.pgmanager.platform.bench.BackupFigures.Write;
import dev.pgmanager.postgres.Lsn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A steady writer for measuring the archive's lag: a {@link SequenceWriter} on one server that, once each insert has
 * committed, asks for the server's WAL write position, which is at or past the commit record. Each acknowledged write
 * is remembered with that position, so that a sampler can tell which acknowledged writes the archive does not hold yet
 * (a write that failed is not counted).
 */
final class LsnWriter implements AutoCloseable {
    /** Longer than the failover writer's: a full backup on the same small machine slows the server's answers. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private final List<Write> acknowledged = new ArrayList<>();
    private final SequenceWriter writer;

    LsnWriter(String jdbcUrl, String user, String password, String table, Duration interval) throws SQLException {
        this.writer = new SequenceWriter(jdbcUrl, user, password, table, interval, SOCKET_TIMEOUT, this::recordPosition);
    }

    private void recordPosition(Connection connection, Instant acknowledgedAt) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn()")) {
            r.next();
            Write write;
            try {
                write = new Write(acknowledgedAt, Lsn.parse(r.getString(1)));
            } catch (IllegalArgumentException e) {
                throw new SQLException("not a WAL position: " + e.getMessage(), e);
            }
            synchronized (acknowledged) {
                acknowledged.add(write);
            }
        }
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
        return writer.errors();
    }

    String lastError() {
        return writer.lastError();
    }

    @Override
    public void close() throws InterruptedException {
        writer.close();
    }
}
