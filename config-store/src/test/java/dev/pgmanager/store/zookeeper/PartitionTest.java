package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.NotLeaderException;
import dev.pgmanager.store.StoreConnectionState;
import dev.pgmanager.store.StoreUnavailableException;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.partition.CuttableProxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client cut off from ZooKeeper by a silent network, as a migrating or partitioned machine would be. */
class PartitionTest {
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final Duration SESSION = Duration.ofSeconds(3);

    @Test
    void aCutOffLeaderIsSuspendedThenLosesItsLeaseToTheOthers() {
        String cluster = zk.newCluster();
        var proxy = zk.closeAfterTest(CuttableProxy.to(zk.server().clientAddress()));
        var isolated = zk.closeAfterTest(ZooKeeperClusterStore.connect(
                zk.settings(cluster).withSessionTimeout(SESSION).withConnectionTimeout(Duration.ofSeconds(1))
                        .withStartupWait(Duration.ofSeconds(5))
                        .withConnectString(proxy.connectString())));
        var others = zk.store(cluster);
        List<StoreConnectionState> states = new CopyOnWriteArrayList<>();
        isolated.addConnectionListener(states::add);
        var lease = isolated.tryAcquireLeadership("m1").orElseThrow();
        assertTrue(isolated.confirmLeadership(lease));

        proxy.cut();

        Await.until(SESSION.plusSeconds(5), "the isolated client reports SUSPENDED", () -> states.contains(StoreConnectionState.SUSPENDED));
        assertFalse(isolated.confirmLeadership(lease), "no lease can be confirmed without the server");
        long readStarted = System.nanoTime();
        assertThrows(StoreUnavailableException.class, isolated::read);
        var readTook = Duration.ofNanos(System.nanoTime() - readStarted);
        assertTrue(readTook.compareTo(Duration.ofSeconds(3)) < 0, "a read without a connection gives up in bounded time, took " + readTook);
        Await.until(SESSION.plusSeconds(5), "the server ends the isolated session", () -> others.read().leader().isEmpty());
        assertEquals(2, others.tryAcquireLeadership("m2").map(l -> l.epoch()).orElseThrow());
        Await.until(SESSION.plusSeconds(5), "the isolated client reports LOST", () -> states.contains(StoreConnectionState.LOST));
        assertTrue(states.indexOf(StoreConnectionState.SUSPENDED) < states.indexOf(StoreConnectionState.LOST), states.toString());

        proxy.restore();

        Await.until(Duration.ofSeconds(10), "the isolated client reconnects with a new session",
                () -> states.lastIndexOf(StoreConnectionState.RECONNECTED) > states.indexOf(StoreConnectionState.LOST));
        assertEquals("m2", isolated.read().leader().orElseThrow().machineId());
        assertFalse(isolated.confirmLeadership(lease), "the old lease died with the old session");
        assertThrows(NotLeaderException.class, () -> isolated.writeSyncState(lease, new SyncState("m1", lease.epoch(), Set.of(), 0)),
                "a deposed leader's write is fenced off");
    }
}
