package dev.pgmanager.local;

import dev.pgmanager.dns.LocalDnsServer;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import dev.pgmanager.local.LocalClusterFile.LocalMember;
import dev.pgmanager.store.partition.CuttableProxy;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a platform provides to a local cluster's machines: the coordination store (an embedded ZooKeeper) and the
 * private DNS that names each machine by its ID (Fly's {@code <id>.vm.<app>.internal}), both on 127.0.0.1, and the
 * network between them: each member reaches the store through a proxy of its own, which the platform cuts while a
 * file names that member as isolated ({@code pgmanager local isolate}). It runs in its own process, started by
 * {@code pgmanager local up}.
 */
public final class LocalPlatform implements AutoCloseable {
    /** A short tick lets the sidecars use the short sessions (leases) that make failover fast. */
    private static final Duration TICK = Duration.ofMillis(100);

    private final EmbeddedZooKeeper store;
    private final LocalDnsServer dns;
    private final Map<String, CuttableProxy> storeLinks;
    private final ScheduledExecutorService partitions =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("partitions").factory());

    private LocalPlatform(EmbeddedZooKeeper store, LocalDnsServer dns, Map<String, CuttableProxy> storeLinks, LocalLayout layout) {
        this.store = store;
        this.dns = dns;
        this.storeLinks = storeLinks;
        partitions.scheduleWithFixedDelay(() -> applyPartitions(layout), 0, 100, TimeUnit.MILLISECONDS);
    }

    /** In store mode ensemble the members run the store: the platform then serves only the DNS. */
    public static LocalPlatform start(Path dir, LocalClusterFile cluster) throws IOException {
        EmbeddedZooKeeper store = cluster.ensembleMode() ? null : EmbeddedZooKeeper.standalone(LocalLayout.of(dir).storeData(),
                new InetSocketAddress("127.0.0.1", cluster.storePort()), TICK);
        try {
            LocalDnsServer dns = LocalDnsServer.start(new InetSocketAddress("127.0.0.1", cluster.dnsPort()), cluster.app());
            dns.watch(LocalLayout.of(dir).registry());
            Map<String, CuttableProxy> links = new LinkedHashMap<>();
            for (LocalMember member : store == null ? List.<LocalMember>of() : cluster.members()) {
                links.put(member.machineId(), CuttableProxy.to(store.clientAddress(), member.storeProxyPort()));
            }
            return new LocalPlatform(store, dns, links, LocalLayout.of(dir));
        } catch (IOException | RuntimeException e) {
            if (store != null) store.close();
            throw e;
        }
    }

    private void applyPartitions(LocalLayout layout) {
        storeLinks.forEach((machineId, link) -> {
            boolean isolated = Files.exists(layout.isolation(machineId));
            if (isolated && !link.isCut()) {
                link.cut();
            } else if (!isolated && link.isCut()) {
                link.restore();
            }
        });
    }

    @Override
    public void close() {
        partitions.shutdownNow();
        storeLinks.values().forEach(CuttableProxy::close);
        dns.close();
        if (store != null) store.close();
    }
}
