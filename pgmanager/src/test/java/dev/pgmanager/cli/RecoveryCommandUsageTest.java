package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** fork, attach and detach explain themselves, and refuse bad input before they reach any cluster. */
class RecoveryCommandUsageTest {

    @ParameterizedTest
    @ValueSource(strings = {"fork", "attach", "detach"})
    void everyRecoveryCommandExplainsItselfAndItsExitCodes(String command) {
        CommandRun run = CommandRun.of(command, "--help");

        assertEquals(0, run.exit());
        assertTrue(run.out().contains("Usage: pgmanager " + command), run.out());
        assertTrue(run.out().contains("Exit codes:"), run.out());
    }

    @Test
    void attachRefusesNamesThatAreNotPlainIdentifiersBeforeConnecting() {
        for (String[] names : new String[][] {{"shop; DROP TABLE x", "u"}, {"shop", "u\"x"}, {"template1", "u"}, {"shop", "pg_monitor"},
                {"shop", "a".repeat(64)}}) {
            CommandRun run = CommandRun.of("attach", "--store", "127.0.0.1:1", "--cluster", "c", "--database-name", names[0],
                    "--database-user", names[1]);
            assertEquals(2, run.exit(), run.err());
            assertTrue(run.err().contains("--database-"), run.err());
        }
    }

    @Test
    void attachWithoutASuperuserPasswordSaysWhereToGiveIt() {
        Prerequisites.require(System.getenv("SU_PASSWORD") == null && System.getenv("PGMANAGER_SUPERUSER_PASSWORD") == null,
                "an environment without a superuser password (SU_PASSWORD, PGMANAGER_SUPERUSER_PASSWORD)");
        CommandRun run = CommandRun.of("attach", "--store", "127.0.0.1:1", "--cluster", "c", "--database-name", "shop",
                "--database-user", "shop_app");

        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("SU_PASSWORD"), run.err());
    }

    @Test
    void forkExplainsItsOptionsAndPointsLocalClustersToLocalFork() {
        CommandRun run = CommandRun.of("fork", "--help");

        for (String option : new String[] {"--source-cluster", "--store", "--dns-server", "--data-dir", "REPL_PASSWORD",
            "pgmanager local fork"}) {
            assertTrue(run.out().contains(option), option + " in " + run.out());
        }
    }

    @Test
    void aForkThroughTheStoreNeedsTheSourceClusterAndTheDataDirectory() {
        CommandRun noSource = CommandRun.of("fork", "--from", "0123456789abcd", "--cluster", "new", "--store", "127.0.0.1:1",
                "--data-dir", "/nonexistent/data");
        assertEquals(2, noSource.exit(), noSource.err());
        assertTrue(noSource.err().contains("--source-cluster"), noSource.err());

        CommandRun noDataDir = CommandRun.of("fork", "--from", "0123456789abcd", "--cluster", "new", "--source-cluster", "old",
                "--store", "127.0.0.1:1");
        assertEquals(2, noDataDir.exit(), noDataDir.err());
        assertTrue(noDataDir.err().contains("--data-dir"), noDataDir.err());

        CommandRun localOption = CommandRun.of("fork", "--from", "0123456789abcd", "--cluster", "new", "--source-cluster", "old",
                "--source-dir", "/nonexistent/old", "--data-dir", "/nonexistent/data");
        assertEquals(2, localOption.exit(), localOption.err());
        assertTrue(localOption.err().contains("--source-dir"), localOption.err());
    }

    @Test
    void aForkThroughTheStoreWithoutTheReplicationPasswordSaysWhereToGiveItBeforeConnecting() {
        for (String variable : new String[] {"REPL_PASSWORD", "PGMANAGER_REPLICATION_PASSWORD"}) {
            Prerequisites.require(System.getenv(variable) == null && System.getenv(variable + "_FILE") == null,
                    "an environment without a replication password (" + variable + ", " + variable + "_FILE)");
        }
        CommandRun run = CommandRun.of("fork", "--from", "0123456789abcd", "--cluster", "new", "--source-cluster", "old",
                "--store", "127.0.0.1:1", "--data-dir", "/nonexistent/data");

        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("postgres.replication_password is missing: set REPL_PASSWORD or "
                + "PGMANAGER_REPLICATION_PASSWORD (or a file holding it, named by REPL_PASSWORD_FILE)"), run.err());
        assertTrue(!run.err().contains("config file"), "the command reads no config file: " + run.err());
    }

    @Test
    void aForkTakesAMemberOrABackupNotBothAndATargetOnlyWithABackup() {
        CommandRun both = CommandRun.of("fork", "--from", "0123456789abcd", "--from-backup", "latest", "--cluster", "new",
                "--source-cluster", "old", "--data-dir", "/nonexistent/data");
        assertEquals(2, both.exit(), both.err());
        assertTrue(both.err().contains("mutually exclusive"), both.err());

        CommandRun target = CommandRun.of("fork", "--from", "0123456789abcd", "--target-time", "2026-12-03T10:15:00Z", "--cluster",
                "new", "--source-cluster", "old", "--data-dir", "/nonexistent/data");
        assertEquals(2, target.exit(), target.err());
        assertTrue(target.err().contains("go with --from-backup"), target.err());

        Prerequisites.require(System.getenv("BUCKET_NAME") == null && System.getenv("PGMANAGER_BACKUP_BUCKET") == null,
                "an environment without a bucket (BUCKET_NAME, PGMANAGER_BACKUP_BUCKET)");
        CommandRun noBucket = CommandRun.of("fork", "--from-backup", "latest", "--cluster", "new", "--source-cluster", "old",
                "--data-dir", "/nonexistent/data");
        assertEquals(2, noBucket.exit(), noBucket.err());
        assertTrue(noBucket.err().contains("backup.bucket is missing"), noBucket.err());
        assertTrue(CommandRun.of("fork", "--help").out().contains("--from-backup"));
    }

    @Test
    void aRestoreNamesItsNewClusterWhichIsNotTheSource() {
        CommandRun unnamed = CommandRun.of("restore", "--source-cluster", "old", "--data-dir", "/nonexistent/data");
        assertEquals(2, unnamed.exit(), unnamed.err());
        assertTrue(unnamed.err().contains("--cluster"), unnamed.err());

        CommandRun source = CommandRun.of("restore", "--source-cluster", "old", "--cluster", "old", "--data-dir", "/nonexistent/data");
        assertEquals(2, source.exit(), source.err());
        assertTrue(source.err().contains("not the source (old)"), source.err());

        CommandRun invalid = CommandRun.of("restore", "--source-cluster", "old", "--cluster", "New_DB", "--data-dir", "/nonexistent/data");
        assertEquals(2, invalid.exit(), invalid.err());
        assertTrue(invalid.err().contains("--cluster:"), invalid.err());
    }

    @Test
    void forkNeedsTheMemberAndTheNewName() {
        CommandRun run = CommandRun.of("fork", "--cluster", "new");

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--from"), run.err());
    }
}
