package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.config.BackupConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PgBackRestConfigTest {
    private static BackupConfig.Repository repository(Optional<Path> ca, String secret) {
        return new BackupConfig.Repository("pg-backups", URI.create("https://fly.storage.tigris.dev"), "auto", "tid_key", secret,
                "/pgmanager/my-app", ca);
    }

    private static PgBackRestConfig config(BackupConfig.Repository repository) {
        return new PgBackRestConfig(repository, "my-app", Path.of("/data/postgresql"), 5433, Path.of("/var/run/postgresql"),
                "postgres", Path.of("/data/postgresql.pgmanager/pgbackrest"));
    }

    @Test
    void namesTheBucketThePathAndTheLocalServer() {
        String text = config(repository(Optional.empty(), "s3cr3t")).render();
        for (String line : new String[] {"repo1-type=s3", "repo1-s3-bucket=pg-backups", "repo1-s3-endpoint=fly.storage.tigris.dev",
                "repo1-storage-port=443", "repo1-s3-region=auto", "repo1-s3-uri-style=path", "repo1-path=/pgmanager/my-app",
                "repo1-s3-key=tid_key", "repo1-s3-key-secret=s3cr3t", "archive-async=y", "compress-type=zst",
                "spool-path=/data/postgresql.pgmanager/pgbackrest/spool", "[my-app]", "pg1-path=/data/postgresql", "pg1-port=5433",
                "pg1-socket-path=/var/run/postgresql", "pg1-user=postgres"}) {
            assertTrue(text.contains(line + "\n"), line + " in:\n" + text);
        }
        assertFalse(text.contains("repo1-storage-ca-file"), text);
        assertTrue(config(repository(Optional.of(Path.of("/etc/ca.crt")), "s")).render().contains("repo1-storage-ca-file=/etc/ca.crt\n"));
    }

    @Test
    void aValueWithALineBreakCannotSmuggleInAnotherSetting() {
        assertThrows(IllegalArgumentException.class, () -> config(repository(Optional.empty(), "s\nrepo1-path=/other")).render());
    }
}
