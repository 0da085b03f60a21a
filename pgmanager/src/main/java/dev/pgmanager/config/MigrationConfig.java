package dev.pgmanager.config;

import dev.pgmanager.net.HostPort;
import java.util.Objects;
import java.util.Optional;

/**
 * A cluster that starts as a standby of a primary outside it, to be moved over (from postgres-flex, for instance): its
 * first member clones that primary instead of running initdb, its leader streams from it, and {@code pgmanager migrate
 * cutover} ends it.
 *
 * @param source the primary outside, {@code host:port}; absent: an ordinary cluster
 * @param user the role to stream as there (postgres-flex's replication role is {@code repmgr})
 * @param password its password (postgres-flex's {@code REPL_PASSWORD}; by default this cluster's replication password)
 */
public record MigrationConfig(Optional<HostPort> source, String user, String password) {
    public static final MigrationConfig NONE = new MigrationConfig(Optional.empty(), "repmgr", "");

    public MigrationConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "MigrationConfig[source=" + source + ", user=" + user + ", password=" + Secrets.MASK + "]";
    }
}
