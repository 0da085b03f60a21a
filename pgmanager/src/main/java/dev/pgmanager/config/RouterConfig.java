package dev.pgmanager.config;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The primary router: a port on this member that relays every connection to the current primary.
 *
 * @param listen where it listens; absent: no router
 */
public record RouterConfig(Optional<InetSocketAddress> listen) {
    public RouterConfig {
        Objects.requireNonNull(listen, "listen");
    }
}
