package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.testing.FreePorts;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {
    @TempDir
    Path tempDir;

    @Test
    void aStandaloneServerRestartsOnItsPortAndDataDirectory() {
        Path dataDir = tempDir.resolve("not/yet/there");
        var address = new InetSocketAddress("127.0.0.1", FreePorts.pick());
        var identity = new ClusterIdentity("m1", "42", Instant.parse("2026-03-01T12:00:00Z"));

        try (var server = EmbeddedZooKeeper.standalone(dataDir, address);
                var store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(server.connectString(), "restart"))) {
            assertTrue(server.isServing());
            assertTrue(store.initialize(identity));
        }
        try (var server = EmbeddedZooKeeper.standalone(dataDir, address);
                var store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(server.connectString(), "restart"))) {
            assertEquals(identity, store.read().identity().orElseThrow());
            assertFalse(store.initialize(identity));
        }
    }
}
