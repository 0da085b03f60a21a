package dev.pgmanager.store.zookeeper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * A ZooKeeper digest ACL over one cluster's znodes, so that another tenant of the same ensemble can neither read nor
 * change them. The cluster's own znode and everything below it are open only to clients that authenticated with the
 * cluster's secret; the shared parent {@code /pgmanager} stays open, so that other clusters can live beside it.
 */
final class ClusterAcl implements ACLProvider {
    /** The digest scheme pairs a user name with the secret; one fixed name is enough, the secret is what counts. */
    private static final String USER = "pgmanager";

    private final String clusterRoot;
    private final List<ACL> clusterOnly;

    private ClusterAcl(String clusterRoot, List<ACL> clusterOnly) {
        this.clusterRoot = clusterRoot;
        this.clusterOnly = clusterOnly;
    }

    static ClusterAcl forCluster(String clusterRoot, String secret) {
        // The server keeps only the hash; the secret itself travels once per session, in the auth packet.
        Id id = new Id("digest", ZooKeeperDigest.of(USER, secret));
        // Not List.of: ZooKeeper asks the list whether it contains null, which List.of answers with an exception.
        return new ClusterAcl(clusterRoot, Collections.unmodifiableList(new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, id)))));
    }

    /** What the client sends to authenticate ({@code addauth digest user:secret}). */
    static byte[] authentication(String secret) {
        return credentials(secret).getBytes(StandardCharsets.UTF_8);
    }

    private static String credentials(String secret) {
        return USER + ":" + secret;
    }

    @Override
    public List<ACL> getDefaultAcl() {
        return clusterOnly;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
        boolean inCluster = path.equals(clusterRoot) || path.startsWith(clusterRoot + "/");
        return inCluster ? clusterOnly : ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }
}
