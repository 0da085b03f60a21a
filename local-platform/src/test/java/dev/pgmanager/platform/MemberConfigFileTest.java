package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.ha.SynchronousSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file a local cluster writes for a member reads back, through the sidecar's own loader, as it was meant. */
class MemberConfigFileTest {
    private static final LocalMember FIRST = new LocalMember("0123456789abcd", "127.0.0.1", 15432, 18008, 12181);
    private static final LocalMember SECOND = new LocalMember("fedcba98765432", "127.0.0.1", 15433, 18009, 12182);
    private static final LocalClusterFile CLUSTER = new LocalClusterFile("local", 2181, 10053, "super secret: \"quoted\"",
            "replication#secret", "api-token", List.of(FIRST, SECOND));

    @TempDir
    Path dir;

    @Test
    void everySettingReadsBackAsWritten() throws Exception {
        LocalCluster local = LocalCluster.at(dir);
        LocalLayout layout = LocalLayout.of(dir);

        SidecarConfig config = load(local.writeMemberConfig(CLUSTER, FIRST, Optional.empty(), Map.of()));

        assertEquals(FIRST.machineId(), config.machineId());
        assertEquals("local", config.app());
        assertEquals("local", config.region());
        assertEquals(Optional.of(InetAddress.getByName(FIRST.address())), config.address());
        assertEquals(StoreConfig.StoreMode.EXTERNAL, config.store().mode());
        assertEquals(Optional.of("127.0.0.1:" + FIRST.storeProxyPort()), config.store().connect());
        assertEquals(layout.memberData(FIRST.machineId()), config.postgres().dataDir());
        assertEquals(FIRST.address(), config.postgres().listenAddress());
        assertEquals(FIRST.pgPort(), config.postgres().port());
        assertEquals(layout.memberSockets(FIRST.machineId()), config.postgres().socketDir());
        assertEquals(CLUSTER.superuserPassword(), config.postgres().superuserPassword());
        assertEquals(CLUSTER.replicationPassword(), config.postgres().replicationPassword());
        assertEquals(List.of("127.0.0.0/8"), config.postgres().allowedNetworks());
        assertEquals(new InetSocketAddress(FIRST.address(), FIRST.apiPort()), config.api().listen());
        assertEquals(Optional.of(CLUSTER.apiToken()), config.api().token());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", CLUSTER.dnsPort())), config.dns().servers());
        assertTrue(config.rewriter().enabled(), "the first member manages the cluster's rewriter");
        assertEquals(local.rewriterScope().pinRoot(), config.rewriter().pinRoot());
        assertEquals(local.rewriterScope().cgroup(), config.rewriter().cgroup());
    }

    @Test
    void theSessionTimeoutAndHaSettingsReadBack() throws Exception {
        LocalHaSettings ha = new LocalHaSettings(SynchronousMode.QUORUM, 2, true, true, 1);

        SidecarConfig config = load(LocalCluster.at(dir).writeMemberConfig(CLUSTER, SECOND, Optional.of(Duration.ofMillis(12_500)),
                ha.section(1, 2)));

        assertEquals(Duration.ofMillis(12_500), config.store().sessionTimeout());
        assertEquals(new SynchronousSettings(SynchronousMode.QUORUM, 2, true), config.ha().synchronous());
        assertTrue(config.ha().failsafeMode());
        assertTrue(config.ha().noSync(), "the last member is the nosync one");
        assertFalse(config.rewriter().enabled(), "only the first member manages the rewriter");
    }

    @Test
    void theEnsembleSectionReadsBack() throws Exception {
        var ports = new LocalClusterFile.EnsemblePorts(12281, 12888, 13888);
        LocalClusterFile cluster = new LocalClusterFile(CLUSTER.app(), CLUSTER.storePort(), CLUSTER.dnsPort(),
                CLUSTER.superuserPassword(), CLUSTER.replicationPassword(), CLUSTER.apiToken(), CLUSTER.members(), ports, null);

        SidecarConfig config = load(LocalCluster.at(dir).writeMemberConfig(cluster, FIRST, Optional.empty(), Map.of()));

        assertEquals(StoreConfig.StoreMode.ENSEMBLE, config.store().mode());
        assertEquals(Optional.empty(), config.store().connect());
        assertEquals(new StoreConfig.Ensemble(LocalCluster.ENSEMBLE_SIZE, ports.clientPort(), ports.quorumPort(), ports.electionPort(),
                LocalLayout.of(dir).member(FIRST.machineId()).resolve("zookeeper")), config.store().ensemble());
    }

    private static SidecarConfig load(Path file) {
        return SidecarConfigLoader.load(Optional.of(file), Map.of());
    }
}
