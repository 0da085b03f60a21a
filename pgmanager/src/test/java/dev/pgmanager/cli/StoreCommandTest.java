package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCommandTest {

    @Test
    void showPrintsTheClustersStateAsJson(@TempDir Path dir) {
        try (EmbeddedZooKeeper server = EmbeddedZooKeeper.standalone(dir, new InetSocketAddress("127.0.0.1", FreePorts.pick()));
                ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(server.connectString(), "shown"))) {
            store.tryAcquireLeadership("e2865d13a56789").orElseThrow();

            CommandRun run = CommandRun.of("store", "show", "--store", server.connectString(), "--cluster", "shown");

            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().contains("\"cluster\" : \"shown\""), run.out());
            assertTrue(run.out().contains("\"machineId\" : \"e2865d13a56789\""), run.out());
        }
    }

    @Test
    void showExplainsAnUnreachableStore() {
        String nobody = "127.0.0.1:" + FreePorts.pick();
        CommandRun run = CommandRun.of("store", "show", "--store", nobody, "--cluster", "shown");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("could not reach ZooKeeper at " + nobody), run.err());
    }

    @Test
    void versionAndHelpWork() {
        CommandRun version = CommandRun.of("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("pgmanager "), version.out());
        for (String command : new String[] {"run", "store", "list", "switchover", "fork"}) {
            CommandRun help = CommandRun.of(command, "--help");
            assertEquals(0, help.exit(), command);
            assertTrue(help.out().contains("Usage: pgmanager " + command), help.out());
        }
    }

    @Test
    void theProductsCommandLineCarriesNoLocalPlatform() {
        // The image's jar is this module's: the local cluster and the benchmarks come only with the local platform.
        for (String command : new String[] {"local", "bench"}) {
            CommandRun run = CommandRun.of(command);
            assertEquals(2, run.exit(), command);
            assertTrue(run.err().contains("Unmatched argument"), run.err());
        }
    }
}
