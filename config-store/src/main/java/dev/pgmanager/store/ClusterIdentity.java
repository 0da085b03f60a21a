package dev.pgmanager.store;

import java.time.Instant;

/**
 * Who created the cluster's data, so that no second member ever initializes a second, divergent cluster.
 *
 * @param machineId the member that ran the initialization
 * @param systemIdentifier the data's own identifier (for PostgreSQL, {@code pg_control}'s system identifier)
 * @param initializedAt when it was claimed
 */
public record ClusterIdentity(String machineId, String systemIdentifier, Instant initializedAt) {}
