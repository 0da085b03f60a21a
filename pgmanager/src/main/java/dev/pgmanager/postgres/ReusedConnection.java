package dev.pgmanager.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One superuser connection to the local server, kept between uses. Every new connection costs a SCRAM login, about
 * 20 ms of key derivation in the sidecar's JIT tier: a control-loop pass made one, a promotion six, each on the path
 * of a failover. A caller that finds the kept connection in use, or broken (the server restarted), gets a new one; a
 * connection whose work failed, or that was left inside a transaction, is closed rather than kept. Work must leave no
 * session settings behind.
 */
final class ReusedConnection implements AutoCloseable {
    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final Connector connector;
    private Connection idle; // guarded by this

    ReusedConnection(Connector connector) {
        this.connector = connector;
    }

    <T> T use(Work<T> work) throws SQLException {
        Connection connection = takeIdle();
        if (connection == null) connection = connector.connect();
        boolean keep = false;
        try {
            T result = work.run(connection);
            keep = connection.getAutoCommit();
            return result;
        } finally {
            if (keep) {
                giveBack(connection);
            } else {
                closeQuietly(connection);
            }
        }
    }

    /** Closes the kept connection, if one is idle: before a stop, so that not even a smart shutdown waits for it. */
    @Override
    public void close() {
        Connection connection;
        synchronized (this) {
            connection = idle;
            idle = null;
        }
        if (connection != null) closeQuietly(connection);
    }

    private Connection takeIdle() {
        Connection candidate;
        synchronized (this) {
            candidate = idle;
            idle = null;
        }
        if (candidate == null) return null;
        try {
            if (candidate.isValid(1)) return candidate;
        } catch (SQLException broken) {
            // closed below, and replaced by a new connection
        }
        closeQuietly(candidate);
        return null;
    }

    private void giveBack(Connection connection) {
        synchronized (this) {
            if (idle == null) {
                idle = connection;
                return;
            }
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException alreadyGone) {
            // nothing to release
        }
    }
}
