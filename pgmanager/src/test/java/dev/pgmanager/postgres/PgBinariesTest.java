package dev.pgmanager.postgres;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgBinariesTest {

    @Test
    void findsTheInstalledServerBinaries() {
        PgBinaries found = PgBinaries.locate(Optional.empty());
        assertEquals(15, found.majorVersion());
        assertTrue(Path.of(found.tool("pg_ctl")).toFile().canExecute(), found.toString());
    }

    @Test
    void usesTheConfiguredDirectory() {
        PgBinaries found = PgBinaries.locate(Optional.of(Path.of("/usr/lib/postgresql/15/bin")));
        assertEquals(Path.of("/usr/lib/postgresql/15/bin"), found.directory());
        assertEquals(15, found.majorVersion());
    }

    @Test
    void namesABogusConfiguredDirectory() {
        PostgresException e = assertThrows(PostgresException.class,
                () -> PgBinaries.locate(Optional.of(Path.of("/nonexistent/pg/bin"))));
        assertTrue(e.getMessage().contains("/nonexistent/pg/bin"), e.getMessage());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void namesWhatIsMissingFromAConfiguredDirectory() {
        PostgresException e = assertThrows(PostgresException.class,
                () -> PgBinaries.locate(Optional.of(Path.of("/usr/bin"))));
        assertTrue(e.getMessage().contains("/usr/bin") && e.getMessage().contains("missing"), e.getMessage());
    }
}
