package dev.pgmanager.platform;

import dev.pgmanager.ha.SynchronousMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code ha.*} settings every member of a new local cluster gets (synchronous replication, failsafe mode), so
 * tests and the fault-injection suite can start such clusters.
 *
 * @param synchronousMode {@code ha.synchronous_mode}
 * @param synchronousNodeCount {@code ha.synchronous_node_count}
 * @param synchronousStrict {@code ha.synchronous_mode_strict}
 * @param failsafe {@code ha.failsafe_mode}
 * @param nosyncMembers how many members, the last created, are tagged {@code ha.nosync}
 */
public record LocalHaSettings(SynchronousMode synchronousMode, int synchronousNodeCount, boolean synchronousStrict, boolean failsafe,
                              int nosyncMembers) {
    public static final LocalHaSettings DEFAULTS = new LocalHaSettings(SynchronousMode.OFF, 1, false, false, 0);

    public LocalHaSettings {
        if (nosyncMembers < 0) throw new IllegalArgumentException("the number of nosync members must not be negative");
        if (synchronousNodeCount < 1) throw new IllegalArgumentException("the synchronous node count must be at least 1");
        if (synchronousStrict && synchronousMode == SynchronousMode.OFF) {
            throw new IllegalArgumentException("strict synchronous mode needs a synchronous mode (on or quorum)");
        }
    }

    /** The {@code ha:} section of the config of member number {@code index} of {@code count} (from 0); may be empty. */
    Map<String, Object> section(int index, int count) {
        if (equals(DEFAULTS)) return Map.of();
        Map<String, Object> ha = new LinkedHashMap<>();
        ha.put("nosync", index >= count - nosyncMembers);
        ha.put("synchronous_mode", synchronousMode.name().toLowerCase(Locale.ROOT));
        ha.put("synchronous_node_count", synchronousNodeCount);
        ha.put("synchronous_mode_strict", synchronousStrict);
        ha.put("failsafe_mode", failsafe);
        return ha;
    }
}
