package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.StoreUnavailableException;
import dev.pgmanager.store.testing.FreePorts;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoreUnavailableTest {
    @Test
    void connectingToNobodyFailsAfterTheStartupWaitNamingWhereItLooked() {
        String connectString = "127.0.0.1:" + FreePorts.pick();
        var settings = ZooKeeperStoreSettings.of(connectString, "unreachable").withStartupWait(Duration.ofSeconds(2));
        long started = System.nanoTime();

        var failure = assertThrows(StoreUnavailableException.class, () -> ZooKeeperClusterStore.connect(settings).close());

        var took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(Duration.ofSeconds(7)) < 0, "took " + took);
        assertTrue(failure.getMessage().contains(connectString), failure.getMessage());
        assertTrue(failure.getMessage().contains("within 2s"), failure.getMessage());
    }
}
