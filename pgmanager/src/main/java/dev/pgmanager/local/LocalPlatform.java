package dev.pgmanager.local;

import dev.pgmanager.dns.LocalDnsServer;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a platform provides to a local cluster's machines: the coordination store (an embedded ZooKeeper) and the
 * private DNS that names each machine by its ID (Fly's {@code <id>.vm.<app>.internal}), both on 127.0.0.1. It runs in
 * its own process, started by {@code pgmanager local up}.
 */
public final class LocalPlatform implements AutoCloseable {
    /** A short tick lets the sidecars use the short sessions (leases) that make failover fast. */
    private static final Duration TICK = Duration.ofMillis(100);

    private final EmbeddedZooKeeper store;
    private final LocalDnsServer dns;

    private LocalPlatform(EmbeddedZooKeeper store, LocalDnsServer dns) {
        this.store = store;
        this.dns = dns;
    }

    public static LocalPlatform start(Path dir, LocalClusterFile cluster) throws IOException {
        EmbeddedZooKeeper store = EmbeddedZooKeeper.standalone(LocalLayout.of(dir).storeData(),
                new InetSocketAddress("127.0.0.1", cluster.storePort()), TICK);
        try {
            LocalDnsServer dns = LocalDnsServer.start(new InetSocketAddress("127.0.0.1", cluster.dnsPort()), cluster.app());
            dns.watch(LocalLayout.of(dir).registry());
            return new LocalPlatform(store, dns);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void close() {
        dns.close();
        store.close();
    }
}
