package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.testing.FreePorts;
import dev.pgmanager.store.testing.TempDirs;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One standalone ZooKeeper for a test class, plus the stores and raw clients its tests open, all closed after
 * each test. Every {@link #newCluster()} is a fresh cluster name, so tests never see each other's data.
 */
final class StandaloneServerExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private final List<AutoCloseable> openedByTest = new ArrayList<>();
    private Path dataDir;
    private EmbeddedZooKeeper server;

    @Override
    public void beforeAll(ExtensionContext context) {
        dataDir = TempDirs.create("zk-standalone-");
        server = EmbeddedZooKeeper.standalone(dataDir, new InetSocketAddress("127.0.0.1", FreePorts.pick()));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception firstFailure = null;
        for (var closeable : openedByTest.reversed()) {
            try {
                closeable.close();
            } catch (Exception e) {
                if (firstFailure == null) firstFailure = e;
                else firstFailure.addSuppressed(e);
            }
        }
        openedByTest.clear();
        if (firstFailure != null) throw firstFailure;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (server != null) server.close();
        } finally {
            TempDirs.delete(dataDir);
        }
    }

    EmbeddedZooKeeper server() {
        return server;
    }

    String newCluster() {
        return "c" + CLUSTERS.incrementAndGet();
    }

    ZooKeeperStoreSettings settings(String cluster) {
        return ZooKeeperStoreSettings.of(server.connectString(), cluster)
                .withSessionTimeout(Duration.ofSeconds(4))
                .withConnectionTimeout(Duration.ofSeconds(2));
    }

    ZooKeeperClusterStore store(String cluster) {
        return closeAfterTest(ZooKeeperClusterStore.connect(settings(cluster)));
    }

    /** A plain Curator client, for writing what the store itself never would. */
    CuratorFramework rawClient() throws InterruptedException {
        var client = CuratorFrameworkFactory.newClient(server.connectString(), new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
        return closeAfterTest(client);
    }

    <T extends AutoCloseable> T closeAfterTest(T closeable) {
        openedByTest.add(closeable);
        return closeable;
    }
}
