package dev.pgmanager.store;

import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster-wide desired configuration, changed only by compare-and-set.
 *
 * @param loopWaitMillis how long a control loop sleeps between passes when nothing wakes it
 * @param maximumLagOnFailoverBytes a replica further behind than this is not promoted
 * @param synchronousMode whether commits wait for a synchronous standby, and only such a standby is promoted
 * @param paused maintenance mode: the sidecars observe and report but change nothing
 * @param parameters settings every member's server runs with ({@code postgresql.conf} names)
 * @param standbyOf while present, the cluster is a standby of a primary outside it (a cluster being moved over, from
 *                  postgres-flex for instance): its leader streams from that primary instead of being promoted, and the
 *                  other members from the leader. Removing it (the cut-over) promotes the leader. Never holds a password
 */
public record ClusterSpec(
        long loopWaitMillis,
        long maximumLagOnFailoverBytes,
        boolean synchronousMode,
        boolean paused,
        Map<String, String> parameters,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_ABSENT)
        java.util.Optional<Source> standbyOf) {

    /** A primary outside the cluster, as libpq reaches it: a host name or address, a port, and the role to stream as. */
    public record Source(String host, int port, String user) {
        public Source {
            java.util.Objects.requireNonNull(host, "host");
            java.util.Objects.requireNonNull(user, "user");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        }

        @Override
        public String toString() {
            return user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A cluster that is nobody's standby. */
    public ClusterSpec(long loopWaitMillis, long maximumLagOnFailoverBytes, boolean synchronousMode, boolean paused,
            Map<String, String> parameters) {
        this(loopWaitMillis, maximumLagOnFailoverBytes, synchronousMode, paused, parameters, java.util.Optional.empty());
    }

    public ClusterSpec {
        if (loopWaitMillis <= 0) throw new IllegalArgumentException("loopWaitMillis must be positive, was " + loopWaitMillis);
        if (maximumLagOnFailoverBytes < 0) {
            throw new IllegalArgumentException("maximumLagOnFailoverBytes must not be negative, was " + maximumLagOnFailoverBytes);
        }
        parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters == null ? Map.of() : parameters));
        standbyOf = standbyOf == null ? java.util.Optional.empty() : standbyOf;
    }

    public static ClusterSpec defaults() {
        return new ClusterSpec(1000, 16L * 1024 * 1024, false, false, Map.of());
    }

    public ClusterSpec withParameters(Map<String, String> parameters) {
        return new ClusterSpec(loopWaitMillis, maximumLagOnFailoverBytes, synchronousMode, paused, parameters, standbyOf);
    }

    public ClusterSpec withPaused(boolean paused) {
        return new ClusterSpec(loopWaitMillis, maximumLagOnFailoverBytes, synchronousMode, paused, parameters, standbyOf);
    }

    public ClusterSpec withStandbyOf(java.util.Optional<Source> source) {
        return new ClusterSpec(loopWaitMillis, maximumLagOnFailoverBytes, synchronousMode, paused, parameters, source);
    }
}
