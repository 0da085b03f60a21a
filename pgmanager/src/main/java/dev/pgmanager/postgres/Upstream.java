package dev.pgmanager.postgres;

import java.util.Objects;
import java.util.Optional;

/**
 * The server a replica streams from (or is cloned/rewound from). {@code host} is what the operator
 * thinks of as the name (on Fly a {@code <machine_id>.vm.<app>.internal} DNS name); {@code hostaddr}, when
 * present, is the address just resolved for it, so libpq skips its own lookup but still checks TLS and
 * passfile entries against {@code host}.
 */
public record Upstream(String host, Optional<String> hostaddr, int port, Credentials replication, boolean useSlot) {

    /** A member of the cluster: streamed from through this machine's slot there. */
    public Upstream(String host, Optional<String> hostaddr, int port, Credentials replication) {
        this(host, hostaddr, port, replication, true);
    }

    public Upstream {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(hostaddr, "hostaddr");
        Objects.requireNonNull(replication, "replication");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public static Upstream of(String host, int port, Credentials replication) {
        return new Upstream(host, Optional.empty(), port, replication);
    }

    /**
     * A primary outside the cluster (a standby cluster's source): no slot of ours there, since whichever member leads the
     * standby cluster streams from it and a slot left behind by a former leader would keep WAL on it until its disk fills.
     */
    public static Upstream outside(String host, int port, Credentials replication) {
        return new Upstream(host, Optional.empty(), port, replication, false);
    }

    /** libpq connection parameters for this server as {@code user} (no password: see the passfile). */
    ConnInfo connInfo(String user) {
        ConnInfo info = new ConnInfo().with("host", host);
        hostaddr.ifPresent(address -> info.with("hostaddr", address));
        return info.with("port", Integer.toString(port)).with("user", user);
    }

    @Override
    public String toString() {
        return host + hostaddr.map(a -> " (" + a + ")").orElse("") + ":" + port;
    }
}
