package dev.pgmanager.postgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing pgmanager does creates a cluster over files that are already there. */
class DataDirectoryGuardTest {
    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);

    @Test
    void initdbRefusesADirectoryThatIsNotEmpty() throws Exception {
        PostgresController node = nodes.node("guard_nonempty");
        Path data = node.config().dataDirectory();
        Files.createDirectories(data);
        Path marker = Files.writeString(data.resolve("precious.txt"), "keep me");

        DataDirectoryNotEmptyException e = assertThrows(DataDirectoryNotEmptyException.class, node::initdb);

        assertTrue(e.getMessage().contains(data.toString()) && e.getMessage().contains("precious.txt"), e.getMessage());
        assertEquals("keep me", Files.readString(marker));
        assertFalse(Files.exists(data.resolve("PG_VERSION")));
    }

    @Test
    void initdbAndCloneRefuseAnExistingClusterAndLeaveItAlone() throws Exception {
        PostgresController node = nodes.node("guard_cluster");
        node.initdb();
        Path data = node.config().dataDirectory();
        Path pgVersion = data.resolve("PG_VERSION");
        Path marker = Files.writeString(data.resolve("precious.txt"), "keep me");
        String version = Files.readString(pgVersion);
        FileTime modified = Files.getLastModifiedTime(pgVersion);
        long systemIdentifier = node.systemIdentifier();

        DataDirectoryNotEmptyException initdb = assertThrows(DataDirectoryNotEmptyException.class, node::initdb);
        assertTrue(initdb.getMessage().contains(data.toString()) && initdb.getMessage().contains("PG_VERSION"),
                initdb.getMessage());
        assertThrows(DataDirectoryNotEmptyException.class,
                () -> node.cloneFrom(Upstream.of("127.0.0.1", 1, TestNodes.REPLICATION)));

        assertEquals(version, Files.readString(pgVersion));
        assertEquals(modified, Files.getLastModifiedTime(pgVersion));
        assertEquals("keep me", Files.readString(marker));
        assertEquals(systemIdentifier, node.systemIdentifier());
    }

    @Test
    void movingAsideRenamesInsteadOfDeleting() throws Exception {
        PostgresController node = nodes.node("guard_aside");
        node.initdb();
        long systemIdentifier = node.systemIdentifier();

        Path moved = node.moveDataDirectoryAside();

        assertFalse(Files.exists(node.config().dataDirectory()));
        assertTrue(Files.exists(moved.resolve("PG_VERSION")), moved.toString());
        assertTrue(moved.getFileName().toString().startsWith("data.aside-"), moved.toString());
        node.initdb();
        assertFalse(systemIdentifier == node.systemIdentifier(), "a new cluster gets a new identifier");
    }
}
