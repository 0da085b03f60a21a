package dev.pgmanager.cli;

import dev.pgmanager.net.HostPort;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;

/**
 * What one member's PostgreSQL is doing, sampled over a connection kept open between samples (one connection per
 * member for the whole of a {@code pgmanager top}, not one per refresh). A member that cannot be asked gives no
 * sample; the next one reconnects.
 */
final class MemberActivity implements AutoCloseable {
    /** Transactions ended so far (committed and rolled back, every database) and client sessions open now. */
    record Sample(long transactions, int clientSessions, long atNanos) {
        /** Transactions per second from {@code earlier} to this one. */
        double transactionsPerSecond(Sample earlier) {
            double seconds = (atNanos - earlier.atNanos) / 1e9;
            return seconds <= 0 ? 0 : Math.max(0, transactions - earlier.transactions) / seconds;
        }
    }

    private static final String QUERY = "SELECT (SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database)::bigint, "
            + "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int";

    private final String superuser;
    private final String password;
    private HostPort at;
    private Connection connection;

    MemberActivity(String superuser, String password) {
        this.superuser = superuser;
        this.password = password;
    }

    /** A sample of the member at {@code address}; empty when it cannot be asked now. */
    Optional<Sample> sample(InetAddress address, int port) {
        HostPort target = HostPort.of(address, port);
        try {
            if (connection == null || !target.equals(at)) {
                close();
                connection = open(target);
                at = target;
            }
            try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery(QUERY)) {
                r.next();
                // pg_stat_database counts a session's own transactions when it ends one: ours (this query) included.
                return Optional.of(new Sample(r.getLong(1), r.getInt(2), System.nanoTime()));
            }
        } catch (SQLException e) {
            close();
            return Optional.empty();
        }
    }

    private Connection open(HostPort target) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", superuser);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "2");
        p.setProperty("ApplicationName", "pgmanager top");
        Connection c = DriverManager.getConnection(target.jdbcUrl("postgres"), p);
        c.setAutoCommit(true);
        return c;
    }

    @Override
    public void close() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // going away either way
        }
        connection = null;
        at = null;
    }
}
