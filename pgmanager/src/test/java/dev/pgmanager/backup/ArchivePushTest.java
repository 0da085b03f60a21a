package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.TestNodes;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushing a segment by hand, as a new leader does with the previous timeline's: a real server's segment into a
 * repository on disk (pgBackRest's posix repository, the same code path as S3 past the storage driver).
 */
class ArchivePushTest {
    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);
    private PostgresController server;
    private PgBackRest pgBackRest;

    @BeforeEach
    void createStanza() throws Exception {
        server = nodes.node("a1b2c3d4e5f601");
        server.initdb();
        server.start();
        Path repository = root.resolve("backup-repository");
        OsUser postgres = OsUser.named("postgres");
        postgres.createPrivateDirectory(repository);
        Path config = repository.resolve("pgbackrest.conf");
        postgres.writePrivateFile(config, String.join("\n",
                "[global]", "repo1-type=posix", "repo1-path=" + repository.resolve("repo"), "log-path=" + repository.resolve("log"),
                "lock-path=" + repository.resolve("lock"), "log-level-console=warn", "",
                "[app]", "pg1-path=" + server.config().dataDirectory(), "pg1-socket-path=" + server.config().socketDirectory(),
                "pg1-port=" + server.config().port(), "pg1-user=" + TestNodes.SUPERUSER.user(), ""));
        pgBackRest = new PgBackRest(postgres, config, "app");
        pgBackRest.stanzaCreate();
    }

    @Test
    void aSegmentTheRepositoryHoldsWithOtherContentsIsReportedNotFailed() throws Exception {
        Path segment = server.config().dataDirectory().resolve("pg_wal").resolve(currentSegment());
        assertTrue(pgBackRest.archivePush(segment), "a new segment is pushed");
        assertTrue(pgBackRest.archivePush(segment), "the same one again is already there: nothing to do");

        // the copy a replica might hold: the same segment, but its end differs
        Path otherCopy = root.resolve("copy").resolve(segment.getFileName());
        Files.createDirectories(otherCopy.getParent());
        Files.copy(segment, otherCopy);
        try (var channel = Files.newByteChannel(otherCopy, StandardOpenOption.WRITE)) {
            channel.position(Files.size(otherCopy) - 8);
            channel.write(ByteBuffer.wrap("damaged!".getBytes()));
        }
        // readable by the postgres user pgBackRest runs as
        Files.setPosixFilePermissions(root.resolve("copy"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(otherCopy, PosixFilePermissions.fromString("rw-r--r--"));
        assertFalse(pgBackRest.archivePush(otherCopy), "the repository keeps its own copy, and says so");

        assertThrows(BackupException.class, () -> pgBackRest.archivePush(root.resolve("copy").resolve("000000010000000000000099")),
                "any other failure still fails");
    }

    private String currentSegment() throws Exception {
        try (Connection connection = server.connect(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT pg_walfile_name(pg_current_wal_lsn())")) {
            row.next();
            return row.getString(1);
        }
    }
}
