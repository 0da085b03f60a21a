package dev.pgmanager.postgres;

import static dev.pgmanager.postgres.TestNodes.execute;
import static dev.pgmanager.postgres.TestNodes.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server pgmanager takes for its data directory's is that one, and none other. A package upgrade replaces
 * {@code postgres} under a running server (dpkg writes the new file and renames it over the old), and the kernel then
 * names the server's program "{@code .../postgres (deleted)}": it runs on, and must still be found running. And a start
 * that another server answers for (on the same port) has failed: taken for started, both cases had a sidecar start its
 * server again at every pass, thirty times a second.
 */
class OwnServerTest {
    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);

    @Test
    void aServerWhoseProgramWasReplacedUnderItIsStillFoundRunning() throws Exception {
        Path bin = installationCopy(root.resolve("installation"));
        PostgresController server = nodes.node("a1b2c3d4e5f601", Map.of(), PgBinaries.locate(Optional.of(bin)));
        server.initdb();
        server.start();
        execute(server, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)");
        OptionalLong before = server.pid();
        assertTrue(before.isPresent());

        upgrade(bin.resolve("postgres"));
        String program = Files.readSymbolicLink(Path.of("/proc", Long.toString(before.getAsLong()), "exe")).toString();
        assertTrue(program.endsWith(" (deleted)"), "the kernel names the replaced program so: " + program);

        assertEquals(before, server.pid(), "the running postmaster is still the data directory's");
        assertTrue(server.status().running(), "and its status is read");
        assertEquals("1", queryString(server, "SELECT count(*) FROM kept"));
    }

    @Test
    void aStartThatAnotherServerAnswersForOnItsPortFails() {
        PostgresController other = nodes.node("e2865d13a56789");
        other.initdb();
        other.start();
        PostgresController server = nodes.nodeOnPort("a1b2c3d4e5f601", other.config().port());
        server.initdb();

        CommandFailedException failed = assertThrows(CommandFailedException.class, server::start);
        assertTrue(failed.getMessage().contains("exited during start-up"), failed.getMessage());
        assertTrue(failed.getMessage().contains("could not"), "the server's own words: " + failed.getMessage());
        assertFalse(server.isRunning());
        assertTrue(other.isRunning(), "the other server is left alone");
    }

    /**
     * A private copy of this machine's PostgreSQL, laid out as the original so that the copied server finds its library
     * and share directories (PostgreSQL finds them relative to its own program): {@code postgres} itself copied, the
     * rest linked.
     */
    private static Path installationCopy(Path copyRoot) throws IOException {
        Path realBin = TestNodes.BINARIES.directory();
        Path realShare = Path.of("/usr/share/postgresql", Integer.toString(TestNodes.BINARIES.majorVersion()));
        Path bin = Files.createDirectories(copyRoot.resolve(realBin.toString().substring(1)));
        try (var tools = Files.list(realBin)) {
            for (Path tool : tools.toList()) {
                if (tool.getFileName().toString().equals("postgres")) {
                    Files.copy(tool, bin.resolve("postgres"), StandardCopyOption.COPY_ATTRIBUTES);
                } else {
                    Files.createSymbolicLink(bin.resolve(tool.getFileName()), tool);
                }
            }
        }
        Files.createSymbolicLink(bin.resolveSibling("lib"), realBin.resolveSibling("lib"));
        Path share = copyRoot.resolve(realShare.toString().substring(1));
        Files.createDirectories(share.getParent());
        Files.createSymbolicLink(share, realShare);
        // the postgres user runs the copy: every directory on the way must let it through
        for (Path dir = bin; dir.startsWith(copyRoot.getParent()); dir = dir.getParent()) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    /** What dpkg does to a program it upgrades: the new file is written beside it and renamed over it. */
    private static void upgrade(Path program) throws IOException {
        Path next = program.resolveSibling("postgres.dpkg-new");
        Files.copy(program, next, StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(next, program, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
