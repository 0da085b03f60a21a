package dev.pgmanager.platform;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.platform.dns.LocalDnsServer;
import dev.pgmanager.platform.s3.LocalObjectStorage;
import dev.pgmanager.store.partition.CuttableProxy;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a platform provides to a local cluster's machines: the coordination store (an embedded ZooKeeper) and the
 * private DNS that names each machine by its ID (Fly's {@code <id>.vm.<app>.internal}), the object storage backups go to
 * (an S3 endpoint, as Tigris is on Fly), all on 127.0.0.1, and the
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
    private final Optional<LocalClusterFile.ObjectStorage> objectStorageSettings;
    /** Touched by the partitions thread only once started; null while stopped (an outage) or for a cluster without backups. */
    private LocalObjectStorage objectStorage;
    /** Touched by the partitions thread only. */
    private long clusterFileSeen;
    private final ScheduledExecutorService partitions =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("partitions").factory());

    private LocalPlatform(EmbeddedZooKeeper store, LocalDnsServer dns, Map<String, CuttableProxy> storeLinks, LocalLayout layout,
            LocalObjectStorage objectStorage, Optional<LocalClusterFile.ObjectStorage> objectStorageSettings) {
        this.store = store;
        this.objectStorage = objectStorage;
        this.objectStorageSettings = objectStorageSettings;
        this.dns = dns;
        this.storeLinks = storeLinks;
        partitions.scheduleWithFixedDelay(() -> applyPartitions(layout), 0, 100, TimeUnit.MILLISECONDS);
    }

    /** In store mode ensemble the members run the store: the platform then serves only the DNS. */
    public static LocalPlatform start(Path dir, LocalClusterFile cluster) throws IOException {
        // The store writes its log without fsync (ZooKeeper's forceSync=no, read once per process, and this process is the
        // platform's alone). Reads wait behind the writes being synced, and so do the leader's lease confirmations: with
        // the members' PostgreSQL servers writing to the same disk, one fsync of 2.6 s fenced a primary that was fine. A
        // killed platform loses nothing (its writes are in the page cache); only a crash of the machine would, and it
        // takes the whole local cluster with it.
        System.setProperty("zookeeper.forceSync", "no");
        EmbeddedZooKeeper store = cluster.ensembleMode() ? null : EmbeddedZooKeeper.standalone(LocalLayout.of(dir).storeData(),
                new InetSocketAddress("127.0.0.1", cluster.storePort()), TICK);
        LocalObjectStorage objectStorage = null;
        try {
            objectStorage = startObjectStorage(dir, cluster);
            LocalDnsServer dns = LocalDnsServer.start(new InetSocketAddress("127.0.0.1", cluster.dnsPort()), cluster.app());
            dns.watch(LocalLayout.of(dir).registry());
            Map<String, CuttableProxy> links = new ConcurrentHashMap<>();
            for (LocalMember member : store == null ? List.<LocalMember>of() : cluster.members()) {
                links.put(member.machineId(), CuttableProxy.to(store.clientAddress(), member.storeProxyPort()));
            }
            return new LocalPlatform(store, dns, links, LocalLayout.of(dir), objectStorage, Optional.ofNullable(cluster.objectStorage()));
        } catch (IOException | RuntimeException e) {
            if (objectStorage != null) objectStorage.close();
            if (store != null) store.close();
            throw e;
        }
    }

    /** The S3 endpoint the members archive to, as Tigris is a Fly app's; none for a cluster made without backups. */
    private static LocalObjectStorage startObjectStorage(Path dir, LocalClusterFile cluster) throws IOException {
        if (!cluster.hasBackups() || Files.exists(LocalLayout.of(dir).objectStorageOutage())) return null;
        return startObjectStorage(dir, cluster.objectStorage());
    }

    private static LocalObjectStorage startObjectStorage(Path dir, LocalClusterFile.ObjectStorage s3) throws IOException {
        return LocalObjectStorage.start(LocalLayout.of(dir).objectStorage(), new InetSocketAddress("127.0.0.1", s3.port()),
                s3.bucket(), s3.accessKeyId(), s3.secretAccessKey());
    }

    private void applyPartitions(LocalLayout layout) {
        linkNewMembers(layout);
        applyObjectStorageOutage(layout);
        storeLinks.forEach((machineId, link) -> {
            boolean isolated = Files.exists(layout.isolation(machineId));
            if (isolated && !link.isCut()) {
                link.cut();
            } else if (!isolated && link.isCut()) {
                link.restore();
            }
        });
    }

    /** The S3 server stops while a file says it is out ({@code pgmanager local object-storage stop}), as an outage would. */
    private void applyObjectStorageOutage(LocalLayout layout) {
        if (objectStorageSettings.isEmpty()) return;
        boolean out = Files.exists(layout.objectStorageOutage());
        if (out && objectStorage != null) {
            objectStorage.close();
            objectStorage = null;
        } else if (!out && objectStorage == null) {
            try {
                objectStorage = startObjectStorage(layout.dir(), objectStorageSettings.get());
            } catch (IOException | RuntimeException e) {
                // the port may still be held for a moment after the stop: the next tick tries again
            }
        }
    }

    /** A member added while the platform runs ({@code pgmanager local add}) gets its link once cluster.json names it. */
    private void linkNewMembers(LocalLayout layout) {
        if (store == null) return; // store mode ensemble: members reach the peers in each other directly
        try {
            long modified = Files.getLastModifiedTime(layout.clusterFile()).toMillis();
            if (modified == clusterFileSeen) return;
            clusterFileSeen = modified;
            LocalClusterFile.read(layout.dir()).ifPresent(cluster -> {
                for (LocalMember member : cluster.members()) {
                    storeLinks.computeIfAbsent(member.machineId(),
                            id -> CuttableProxy.to(store.clientAddress(), member.storeProxyPort()));
                }
            });
        } catch (IOException | RuntimeException e) {
            // a file being replaced right now is read at the next tick
            clusterFileSeen = 0;
        }
    }

    @Override
    public void close() {
        partitions.shutdownNow();
        storeLinks.values().forEach(CuttableProxy::close);
        dns.close();
        if (objectStorage != null) objectStorage.close();
        if (store != null) store.close();
    }
}
