package dev.pgmanager.config;

import java.util.OptionalInt;

/**
 * When the primary stops taking user writes because its volume is nearly full, and when it takes them again. A full
 * volume stops PostgreSQL mid-write (and a WAL segment it cannot create stops it for good); refusing writes a little
 * before leaves room for replication, checkpoints and the sidecar's own work, and for an operator to act.
 *
 * @param readOnlyAtPercent   the share of the volume in use at which user sessions turn read-only; empty: never
 * @param writableBelowPercent the share below which they are writable again (lower, so that a volume hovering at the
 *                             mark does not flap)
 */
public record DiskGuardConfig(OptionalInt readOnlyAtPercent, int writableBelowPercent) {
    public static final DiskGuardConfig DEFAULTS = new DiskGuardConfig(OptionalInt.of(90), 85);

    public DiskGuardConfig {
        if (readOnlyAtPercent.isPresent() && writableBelowPercent >= readOnlyAtPercent.getAsInt()) {
            throw new IllegalArgumentException("disk.writable_below (" + writableBelowPercent + "%) must be below disk.read_only_at ("
                    + readOnlyAtPercent.getAsInt() + "%)");
        }
    }
}
