package dev.pgmanager.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the cluster store.
 *
 * @param connect        ZooKeeper connect string, {@code host:port[,host:port...]}
 * @param sessionTimeout the ZooKeeper session length, which is also the leader lease's length
 * @param connectTimeout how long start-up waits for the store before giving up
 * @param auth           the secret of the digest ACL over the cluster's znodes (see {@link StoreSecret})
 */
public record StoreConfig(String connect, Duration sessionTimeout, Duration connectTimeout, String auth) {
    public StoreConfig {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(auth, "auth");
    }

    @Override
    public String toString() {
        return "StoreConfig[connect=" + connect + ", sessionTimeout=" + sessionTimeout + ", connectTimeout=" + connectTimeout
                + ", auth=" + Secrets.MASK + "]";
    }
}
