package dev.pgmanager.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The backup settings as {@code fly storage create} and the operator give them. */
class BackupConfigLoaderTest {
    private static Map<String, String> fly(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("FLY_MACHINE_ID", "3d8d9e1b2c4e87", "FLY_APP_NAME", "my-app",
                "PGMANAGER_STORE", "127.0.0.1:2181", "SU_PASSWORD", "su-Secret-4711", "REPL_PASSWORD", "repl-Secret-0815"));
        for (int i = 0; i < more.length; i += 2) {
            if (more[i + 1] == null) env.remove(more[i]); else env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private static Map<String, String> tigris(String... more) {
        Map<String, String> env = fly("BUCKET_NAME", "my-app-backups", "AWS_ENDPOINT_URL_S3", "https://fly.storage.tigris.dev",
                "AWS_ACCESS_KEY_ID", "tid_abc", "AWS_SECRET_ACCESS_KEY", "tsec_xyz", "AWS_REGION", "auto");
        for (int i = 0; i < more.length; i += 2) {
            if (more[i + 1] == null) env.remove(more[i]); else env.put(more[i], more[i + 1]);
        }
        return env;
    }

    @Test
    void withoutABucketThereAreNoBackups() throws ConfigException {
        assertFalse(SidecarConfigLoader.load(Optional.empty(), fly()).backup().enabled());
    }

    @Test
    void tigrisVariablesGiveTheRepositoryAndTheDefaultsTheSchedule() throws ConfigException {
        BackupConfig backup = SidecarConfigLoader.load(Optional.empty(), tigris()).backup();
        BackupConfig.Repository repository = backup.repository().orElseThrow();
        assertEquals("my-app-backups", repository.bucket());
        assertEquals(URI.create("https://fly.storage.tigris.dev"), repository.endpoint());
        assertEquals("fly.storage.tigris.dev", repository.host());
        assertEquals(443, repository.port());
        assertEquals("/pgmanager/my-app", repository.path(), "each cluster under a path of its own");
        assertEquals("tsec_xyz", repository.secretAccessKey());
        assertFalse(repository.toString().contains("tsec_xyz"), "the secret never shows: " + repository);
        assertEquals(BackupConfig.Schedule.DEFAULTS, backup.schedule());
        assertEquals(Duration.ofDays(7), backup.schedule().recoveryWindow());
        assertEquals(Duration.ofSeconds(50), backup.schedule().archiveTimeout());
    }

    @Test
    void theScheduleAndThePathCanBeSet() throws ConfigException {
        BackupConfig backup = SidecarConfigLoader.load(Optional.empty(), tigris("PGMANAGER_BACKUP_RECOVERY_WINDOW", "14d",
                "PGMANAGER_BACKUP_FULL_EVERY", "2d", "PGMANAGER_BACKUP_ARCHIVE_TIMEOUT", "30s", "PGMANAGER_BACKUP_PATH", "/prod/db")).backup();
        assertEquals(Duration.ofDays(14), backup.schedule().recoveryWindow());
        assertEquals(Duration.ofDays(2), backup.schedule().fullEvery());
        assertEquals(Duration.ofSeconds(30), backup.schedule().archiveTimeout());
        assertEquals("/prod/db", backup.repository().orElseThrow().path());
        assertFalse(SidecarConfigLoader.load(Optional.empty(), tigris("PGMANAGER_BACKUP_ENABLED", "false")).backup().enabled());
    }

    @Test
    void aBucketWithoutItsEndpointOrKeysIsRefusedNamingEachMissingOne() {
        ConfigException error = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("AWS_ENDPOINT_URL_S3", null, "AWS_SECRET_ACCESS_KEY", null)));
        assertEquals(2, error.problems().size(), error.getMessage());
        assertTrue(error.getMessage().contains("backup.endpoint is missing"), error.getMessage());
        assertTrue(error.getMessage().contains("backup.secret_access_key is missing"), error.getMessage());
        assertTrue(error.getMessage().contains("fly storage create"), error.getMessage());
    }

    @Test
    void badValuesAreRefusedSayingWhatIsExpected() {
        ConfigException http = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("AWS_ENDPOINT_URL_S3", "http://minio:9000")));
        assertTrue(http.getMessage().contains("must be an https:// URL"), http.getMessage());
        ConfigException withPath = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("AWS_ENDPOINT_URL_S3", "https://s3.example.com/bucket")));
        assertTrue(withPath.getMessage().contains("must be only https://host[:port]"), withPath.getMessage());
        ConfigException bucket = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("BUCKET_NAME", "My_Bucket")));
        assertTrue(bucket.getMessage().contains("is not a bucket name"), bucket.getMessage());
        ConfigException path = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("PGMANAGER_BACKUP_PATH", "relative/path")));
        assertTrue(path.getMessage().contains("is not a repository path"), path.getMessage());
        ConfigException window = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("PGMANAGER_BACKUP_RECOVERY_WINDOW", "a week")));
        assertTrue(window.getMessage().contains("is not a duration"), window.getMessage());
    }

    @Test
    void aNewClusterCanBeToldToStartFromAnothersBackups() throws ConfigException {
        BackupConfig.RestoreSource source = SidecarConfigLoader.load(Optional.empty(), tigris("PGMANAGER_RESTORE_FROM", "old-db",
                "PGMANAGER_RESTORE_TARGET_TIME", "2026-12-03T11:15:00+01:00", "PGMANAGER_RESTORE_BACKUP", "20261203-101500F"))
                .backup().restoreFrom().orElseThrow();
        assertEquals("old-db", source.cluster());
        assertEquals(Optional.of(java.time.Instant.parse("2026-12-03T10:15:00Z")), source.targetTime());
        assertEquals(Optional.of("20261203-101500F"), source.backup());
        assertEquals(Optional.empty(), SidecarConfigLoader.load(Optional.empty(), tigris()).backup().restoreFrom());

        ConfigException noBucket = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                fly("PGMANAGER_RESTORE_FROM", "old-db")));
        assertTrue(noBucket.getMessage().contains("there is no bucket to restore from"), noBucket.getMessage());
        ConfigException itself = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("PGMANAGER_RESTORE_FROM", "my-app")));
        assertTrue(itself.getMessage().contains("names this cluster itself"), itself.getMessage());
        ConfigException orphan = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("PGMANAGER_RESTORE_TARGET_TIME", "2026-12-03T10:15:00Z")));
        assertTrue(orphan.getMessage().contains("need backup.restore_from"), orphan.getMessage());
        ConfigException badTime = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("PGMANAGER_RESTORE_FROM", "old-db", "PGMANAGER_RESTORE_TARGET_TIME", "yesterday")));
        assertTrue(badTime.getMessage().contains("is not a time with an offset"), badTime.getMessage());
        ConfigException badLabel = assertThrows(ConfigException.class, () -> SidecarConfigLoader.load(Optional.empty(),
                tigris("PGMANAGER_RESTORE_FROM", "old-db", "PGMANAGER_RESTORE_BACKUP", "latest")));
        assertTrue(badLabel.getMessage().contains("is not a backup label"), badLabel.getMessage());
    }

    @Test
    void aRestoreReadsTheSourcesRepositoryFromTheEnvironmentAlone() throws ConfigException {
        BackupConfig.Repository repository = SidecarConfigLoader.backupRepository(Optional.empty(),
                Map.of("BUCKET_NAME", "b-1", "AWS_ENDPOINT_URL_S3", "https://s3.local:9443", "AWS_ACCESS_KEY_ID", "k",
                        "AWS_SECRET_ACCESS_KEY", "s"), "source-app");
        assertEquals("/pgmanager/source-app", repository.path());
        assertEquals(9443, repository.port());
        ConfigException none = assertThrows(ConfigException.class, () -> SidecarConfigLoader.backupRepository(Optional.empty(),
                Map.of(), "source-app"));
        assertTrue(none.getMessage().contains("backup.bucket is missing"), none.getMessage());
    }
}
