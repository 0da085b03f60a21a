package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the operator commands say before they reach any cluster: their help, and what is missing to find one. */
class OperatorCommandUsageTest {

    @ParameterizedTest
    @ValueSource(strings = {"list", "history", "switchover", "drain", "failover", "pause", "resume", "restart", "reinit", "rejoin", "doctor"})
    void everyCommandExplainsItselfAndItsExitCodes(String command) {
        CommandRun run = CommandRun.of(command, "--help");

        assertEquals(0, run.exit());
        assertTrue(run.out().contains("Usage: pgmanager " + command), run.out());
        assertTrue(run.out().contains("Exit codes:"), run.out());
        assertTrue(run.out().contains("--store"), run.out());
    }

    @Test
    void withNothingNamingAClusterTheErrorSaysWhatWould() {
        Prerequisites.require(Stream.of("PGMANAGER_STORE", "FLY_APP_NAME", "PGMANAGER_APP").allMatch(name -> System.getenv(name) == null),
                "an environment that names no cluster (PGMANAGER_STORE, FLY_APP_NAME, PGMANAGER_APP unset)");
        Prerequisites.require(!Files.exists(Path.of(ClusterTarget.DEFAULT_DIR, LocalClusterFile.FILE_NAME)),
                "no local cluster in " + ClusterTarget.DEFAULT_DIR);

        CommandRun run = CommandRun.of("list");

        assertEquals(2, run.exit());
        for (String hint : List.of("--dir", "--store", "--cluster", "PGMANAGER_STORE", "FLY_APP_NAME")) {
            assertTrue(run.err().contains(hint), hint + " in: " + run.err());
        }
    }

    @Test
    void aStoreWithoutAClusterNameIsInvalidInput() {
        Prerequisites.require(Stream.of("FLY_APP_NAME", "PGMANAGER_APP").allMatch(name -> System.getenv(name) == null),
                "an environment that names no cluster (FLY_APP_NAME, PGMANAGER_APP unset)");

        CommandRun run = CommandRun.of("pause", "--store", "127.0.0.1:2181");

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("which cluster in the store at 127.0.0.1:2181? give --cluster NAME"), run.err());
    }

    @Test
    void aDirectoryWithoutALocalClusterIsInvalidInput() {
        Path dir = TempDirs.create("operator-commands-empty");
        try {
            CommandRun run = CommandRun.of("list", "--dir", dir.toString());

            assertEquals(2, run.exit());
            assertTrue(run.err().contains("no local cluster in " + dir), run.err());
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aMalformedDnsServerIsInvalidInput() {
        CommandRun run = CommandRun.of("list", "--store", "127.0.0.1:2181", "--cluster", "pg", "--dns-server", "dns.example:53");

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("dns.example:53 is not an IP address and port"), run.err());
    }
}
