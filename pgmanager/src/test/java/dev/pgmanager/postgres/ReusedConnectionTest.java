package dev.pgmanager.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The kept connection with a real server: reused while it works, replaced when it does not, never kept mid-transaction. */
class ReusedConnectionTest {
    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);
    private PostgresController server;
    private ReusedConnection reused;

    @BeforeEach
    void startServer() {
        server = nodes.node("a1b2c3d4e5f601");
        server.initdb();
        server.start();
        reused = new ReusedConnection(server::connect);
    }

    @AfterEach
    void stopServer() {
        reused.close();
    }

    @Test
    void oneBackendServesCallAfterCallAndARestartedServerGetsANewOne() throws Exception {
        int first = reused.use(ReusedConnectionTest::backend);
        assertEquals(first, reused.use(ReusedConnectionTest::backend));
        assertEquals(first, reused.use(ReusedConnectionTest::backend));

        server.stop(StopMode.FAST);
        server.start();
        int afterRestart = reused.use(ReusedConnectionTest::backend);
        assertNotEquals(first, afterRestart, "the broken connection was replaced without the caller seeing it");
        assertEquals(afterRestart, reused.use(ReusedConnectionTest::backend));
    }

    @Test
    void aConnectionLeftInATransactionOrWhoseWorkFailedIsNotKept() throws Exception {
        int inTransaction = reused.use(connection -> {
            connection.setAutoCommit(false);
            return backend(connection);
        });
        int next = reused.use(ReusedConnectionTest::backend);
        assertNotEquals(inTransaction, next);

        assertThrows(SQLException.class, () -> reused.use(connection -> {
            try (Statement statement = connection.createStatement()) {
                return statement.execute("SELECT no_such_function()");
            }
        }));
        assertNotEquals(next, reused.use(ReusedConnectionTest::backend));
    }

    @Test
    void aCallerThatFindsItInUseGetsAConnectionOfItsOwn() throws Exception {
        int outer = reused.use(connection -> {
            int inner = reused.use(ReusedConnectionTest::backend);
            assertNotEquals(backend(connection), inner);
            return backend(connection);
        });
        // the first to give one back keeps it: here the inner caller's
        assertNotEquals(outer, reused.use(ReusedConnectionTest::backend));
    }

    private static int backend(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
            row.next();
            return row.getInt(1);
        }
    }
}
