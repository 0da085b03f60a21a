package dev.pgmanager.store.zookeeper;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to reach ZooKeeper and which cluster to serve.
 *
 * @param connectString ZooKeeper's {@code host:port[,host:port...]}
 * @param clusterName names the cluster's znode under {@code /pgmanager}: letters, digits, '_' or '-', at most 63
 * @param sessionTimeout the session length to ask for; the server may grant another (see
 *     {@link ZooKeeperClusterStore#sessionTimeout()})
 * @param connectionTimeout how long one attempt of an operation waits for a connection; an operation makes at
 *     most four attempts, so without a connection it fails after about 4 × this plus 0.7 s of backoff
 * @param startupWait how long {@link ZooKeeperClusterStore#connect} waits for the first connection
 * @param secret when present, the cluster's znodes are created readable and writable only by clients that present this
 *     secret (a ZooKeeper digest ACL), and this client presents it; absent, they are open to every client
 */
public record ZooKeeperStoreSettings(
        String connectString, String clusterName, Duration sessionTimeout, Duration connectionTimeout, Duration startupWait,
        Optional<String> secret) {

    private static final Pattern SAFE_ZNODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");

    public ZooKeeperStoreSettings {
        Objects.requireNonNull(connectString, "connectString");
        if (connectString.isBlank()) throw new IllegalArgumentException("the ZooKeeper connect string is empty");
        if (clusterName == null || !SAFE_ZNODE_NAME.matcher(clusterName).matches()) {
            throw new IllegalArgumentException("invalid cluster name " + (clusterName == null ? "null" : "'" + clusterName + "'")
                    + ": use 1 to 63 letters, digits, '_' or '-', starting with a letter or digit");
        }
        requirePositive("sessionTimeout", sessionTimeout);
        requirePositive("connectionTimeout", connectionTimeout);
        requirePositive("startupWait", startupWait);
        Objects.requireNonNull(secret, "secret");
        if (secret.isPresent() && secret.get().isEmpty()) throw new IllegalArgumentException("the store secret is empty");
    }

    /**
     * A 10 s session, a 2 s connection wait per attempt (so an operation fails within about 9 s, inside one
     * session timeout, when ZooKeeper cannot be reached) and a 10 s start-up wait.
     */
    public static ZooKeeperStoreSettings of(String connectString, String clusterName) {
        return new ZooKeeperStoreSettings(connectString, clusterName, Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(10),
                Optional.empty());
    }

    public ZooKeeperStoreSettings withConnectString(String connectString) {
        return new ZooKeeperStoreSettings(connectString, clusterName, sessionTimeout, connectionTimeout, startupWait, secret);
    }

    public ZooKeeperStoreSettings withSessionTimeout(Duration sessionTimeout) {
        return new ZooKeeperStoreSettings(connectString, clusterName, sessionTimeout, connectionTimeout, startupWait, secret);
    }

    public ZooKeeperStoreSettings withConnectionTimeout(Duration connectionTimeout) {
        return new ZooKeeperStoreSettings(connectString, clusterName, sessionTimeout, connectionTimeout, startupWait, secret);
    }

    public ZooKeeperStoreSettings withStartupWait(Duration startupWait) {
        return new ZooKeeperStoreSettings(connectString, clusterName, sessionTimeout, connectionTimeout, startupWait, secret);
    }

    /** Protects the cluster's znodes with {@code secret} (see {@link #secret()}). */
    public ZooKeeperStoreSettings withSecret(String secret) {
        return new ZooKeeperStoreSettings(connectString, clusterName, sessionTimeout, connectionTimeout, startupWait,
                Optional.of(secret));
    }

    /** Same as {@link #withSecret} when {@code secret} is present. */
    public ZooKeeperStoreSettings withSecret(Optional<String> secret) {
        return secret.map(this::withSecret).orElse(this);
    }

    @Override
    public String toString() {
        return "ZooKeeperStoreSettings[connectString=" + connectString + ", clusterName=" + clusterName + ", sessionTimeout="
                + sessionTimeout + ", connectionTimeout=" + connectionTimeout + ", startupWait=" + startupWait
                + ", secret=" + (secret.isPresent() ? "(hidden)" : "none") + "]";
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
}
