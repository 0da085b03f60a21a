package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Another tenant of the same ZooKeeper, without the cluster's secret or with another, can neither read nor change it. */
class ClusterAclTest {
    /** A znode's version when it has just been created (ZooKeeper counts from 0). */
    private static final int FIRST_VERSION = 0;
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final String SECRET = "the-cluster-secret";

    @Test
    void aClientWithoutTheSecretOrWithAnotherGetsNoAuthOnReadAndWrite() throws Exception {
        String cluster = zk.newCluster();
        String root = ClusterLayout.forCluster(cluster).root();
        var owner = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(cluster).withSecret(SECRET)));
        owner.compareAndSetSpec(ClusterSpec.defaults(), Versioned.ABSENT);
        owner.touchMember(new Member("0123456789abcd", "ams", MemberRole.REPLICA, MemberState.STREAMING, 1, 10, 10, Member.Tags.NONE,
                5433, 8008, Instant.now()));
        String member = ClusterLayout.forCluster(cluster).member("0123456789abcd");

        for (CuratorFramework stranger : List.of(client(Optional.empty()), client(Optional.of("pgmanager:another-secret")))) {
            for (String path : List.of(root, root + "/spec", member)) {
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.getData().forPath(path), "read " + path);
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.setData().forPath(path, new byte[] {1}),
                        "write " + path);
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.getChildren().forPath(path), "list " + path);
            }
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.create().forPath(root + "/planted"));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.delete().forPath(member));
            assertThrows(KeeperException.NoAuthException.class,
                    () -> stranger.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(root));
        }

        // The owner's data is untouched, and a store client with the secret reads it.
        var colleague = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(cluster).withSecret(SECRET)));
        assertEquals(1, colleague.read().members().size());
        // Only the digest of the secret is stored, never the secret itself.
        List<ACL> acl = client(Optional.of("pgmanager:" + SECRET)).getACL().forPath(root);
        assertEquals(1, acl.size(), acl.toString());
        assertEquals("digest", acl.getFirst().getId().getScheme());
        assertTrue(!acl.getFirst().getId().getId().contains(SECRET), acl.toString());
    }

    @Test
    void aStoreClientWithoutTheSecretIsToldWhyItIsRefused() {
        String cluster = zk.newCluster();
        zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(cluster).withSecret(SECRET)))
                .compareAndSetSpec(ClusterSpec.defaults(), Versioned.ABSENT);
        var stranger = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(cluster)));
        StoreException refused = assertThrows(StoreException.class, stranger::read);
        assertTrue(refused.getMessage().contains("NoAuth") && refused.getMessage().contains("PGMANAGER_STORE_AUTH"),
                refused.getMessage());
        assertTrue(!refused.getMessage().contains(SECRET), refused.getMessage());
    }

    @Test
    void anotherClusterCanLiveBesideAProtectedOne() {
        String protectedCluster = zk.newCluster();
        zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(protectedCluster).withSecret(SECRET)))
                .compareAndSetSpec(ClusterSpec.defaults(), Versioned.ABSENT);
        var neighbour = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(zk.newCluster()).withSecret("its-own")));
        Versioned<ClusterSpec> written = neighbour.compareAndSetSpec(ClusterSpec.defaults(), Versioned.ABSENT);

        assertEquals(FIRST_VERSION, written.version(), "the neighbour's spec was created, not refused");
        assertEquals(written, neighbour.read().spec(), "the neighbour reads back what it wrote");
    }

    @Test
    void readIfPresentCreatesNothingForAFreeNameReadsAClusterAndIsRefusedWithAnotherSecret() throws Exception {
        String free = zk.newCluster();
        assertEquals(Optional.empty(), ZooKeeperClusterStore.readIfPresent(zk.settings(free).withSecret(SECRET)));
        assertEquals(null, client(Optional.empty()).checkExists().forPath(ClusterLayout.forCluster(free).root()),
                "no znode was left for the free name");

        String taken = zk.newCluster();
        Versioned<ClusterSpec> written = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(taken).withSecret(SECRET)))
                .compareAndSetSpec(ClusterSpec.defaults(), Versioned.ABSENT);
        assertEquals(FIRST_VERSION, written.version());
        assertEquals(written, ZooKeeperClusterStore.readIfPresent(zk.settings(taken).withSecret(SECRET)).orElseThrow().spec());
        StoreException refused = assertThrows(StoreException.class,
                () -> ZooKeeperClusterStore.readIfPresent(zk.settings(taken).withSecret("another-secret")));
        assertTrue(refused.getCause() instanceof KeeperException.NoAuthException, String.valueOf(refused.getCause()));
    }

    @Test
    void aClusterNameTakenBeforeTheClusterStartedIsRefusedAndNothingInItIsTrusted() throws Exception {
        // Someone without the secret creates the cluster's znode first and plants a leader record in it.
        String squatted = zk.newCluster();
        String root = ClusterLayout.forCluster(squatted).root();
        CuratorFramework squatter = client(Optional.empty());
        squatter.create().creatingParentsIfNeeded().forPath(root);
        byte[] planted = "{\"machineId\":\"squatter\",\"epoch\":99}".getBytes(StandardCharsets.UTF_8);
        squatter.create().forPath(ClusterLayout.forCluster(squatted).leader(), planted);

        StoreException refused = assertThrows(StoreException.class,
                () -> ZooKeeperClusterStore.connect(zk.settings(squatted).withSecret(SECRET)).close());
        assertTrue(refused.getMessage().contains("refusing the cluster's znode " + root) && refused.getMessage().contains("setAcl -R")
                && refused.getMessage().contains("another cluster name"), refused.getMessage());
        assertTrue(!refused.getMessage().contains(SECRET), refused.getMessage());
        assertArrayEquals(planted, squatter.getData().forPath(ClusterLayout.forCluster(squatted).leader()), "nothing was changed");

        // The same name protected with another secret is refused too (the store cannot even read it), and a cluster's
        // own znode, created with the secret, is accepted again by every later connection.
        String foreign = zk.newCluster();
        zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(foreign).withSecret("another-secret")));
        assertThrows(StoreException.class, () -> ZooKeeperClusterStore.connect(zk.settings(foreign).withSecret(SECRET)).close());
        String own = zk.newCluster();
        zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(own).withSecret(SECRET)));
        zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(own).withSecret(SECRET))).read();
    }

    private static CuratorFramework client(Optional<String> digest) throws InterruptedException {
        var builder = CuratorFrameworkFactory.builder().connectString(zk.server().connectString()).retryPolicy(new RetryOneTime(100));
        digest.ifPresent(credentials -> builder.authorization("digest", credentials.getBytes(StandardCharsets.UTF_8)));
        CuratorFramework client = zk.closeAfterTest(builder.build());
        client.start();
        client.blockUntilConnected();
        return client;
    }
}
