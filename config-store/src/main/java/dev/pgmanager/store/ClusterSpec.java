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
 */
public record ClusterSpec(
        long loopWaitMillis,
        long maximumLagOnFailoverBytes,
        boolean synchronousMode,
        boolean paused,
        Map<String, String> parameters) {

    public ClusterSpec {
        if (loopWaitMillis <= 0) throw new IllegalArgumentException("loopWaitMillis must be positive, was " + loopWaitMillis);
        if (maximumLagOnFailoverBytes < 0) {
            throw new IllegalArgumentException("maximumLagOnFailoverBytes must not be negative, was " + maximumLagOnFailoverBytes);
        }
        parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters == null ? Map.of() : parameters));
    }

    public static ClusterSpec defaults() {
        return new ClusterSpec(1000, 16L * 1024 * 1024, false, false, Map.of());
    }

    public ClusterSpec withParameters(Map<String, String> parameters) {
        return new ClusterSpec(loopWaitMillis, maximumLagOnFailoverBytes, synchronousMode, paused, parameters);
    }

    public ClusterSpec withPaused(boolean paused) {
        return new ClusterSpec(loopWaitMillis, maximumLagOnFailoverBytes, synchronousMode, paused, parameters);
    }
}
