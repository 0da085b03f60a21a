package dev.pgmanager.sidecar.volume;

import dev.pgmanager.api.DiskSpace;
import dev.pgmanager.config.DiskGuardConfig;
import dev.pgmanager.postgres.DataDirectoryState;
import dev.pgmanager.postgres.PostgresController;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns user sessions read-only before the volume fills up, and writable again once there is room: a full volume
 * stops PostgreSQL mid-write, and one that cannot create its next WAL segment stops it for good. Replication, the
 * sidecar's own sessions and checkpoints go on.
 *
 * <p>Checked once per pass of the control loop, on its thread, so it never changes the server's settings while the
 * loop starts, stops, rewinds or clones it. It runs on every member, not only the primary: the setting has no effect
 * on a replica (which takes no writes), but a replica promoted later then starts with the state its own volume calls
 * for. The state lives in the data directory's {@code pgmanager-writes.conf}; a copy taken from another member (a
 * clone, a rewind) is corrected by the next check.
 */
public final class DiskFullGuard {
    private static final Logger log = LoggerFactory.getLogger(DiskFullGuard.class);

    private final DiskGuardConfig config;
    private final Path dataDir;
    private final PostgresController controller;
    private volatile boolean refusing;

    public DiskFullGuard(DiskGuardConfig config, Path dataDir, PostgresController controller) {
        this.config = config;
        this.dataDir = dataDir;
        this.controller = controller;
    }

    /** Looks at the volume and refuses or allows user writes as its use calls for; never throws. */
    public void check() {
        try {
            if (controller.dataDirectoryState() != DataDirectoryState.CLUSTER) return;
            Optional<DiskSpace> space = DiskSpace.of(dataDir);
            if (space.isEmpty() || space.get().totalBytes() <= 0) return;
            double usedPercent = usedPercent(space.get());
            boolean refusedNow = controller.userWritesRefused();
            boolean refuse = shouldRefuse(refusedNow, usedPercent, config);
            if (refuse != refusedNow) {
                controller.refuseUserWrites(refuse);
                if (refuse) {
                    log.warn("the volume holding {} is {}% full (read-only mark {}%): user sessions are read-only from their next "
                                    + "transaction; free space or extend the volume (fly volumes extend); writes resume below {}%",
                            dataDir, Math.round(usedPercent), config.readOnlyAtPercent().orElse(100), config.writableBelowPercent());
                } else {
                    log.info("the volume holding {} is {}% full (writable below {}%): user sessions may write again", dataDir,
                            Math.round(usedPercent), config.writableBelowPercent());
                }
            }
            refusing = refuse;
        } catch (RuntimeException e) {
            log.warn("could not check the volume holding {} for room: {}", dataDir, e.getMessage());
        }
    }

    /** Whether user sessions are read-only for lack of room, as of the last check. */
    public boolean refusingWrites() {
        return refusing;
    }

    /**
     * Refuse from the read-only mark up; allow again only below the lower mark, so that a volume hovering at the
     * mark does not flap; in between, keep the current state. With the guard off, always allow.
     */
    static boolean shouldRefuse(boolean refusedNow, double usedPercent, DiskGuardConfig config) {
        if (config.readOnlyAtPercent().isEmpty()) return false;
        if (usedPercent >= config.readOnlyAtPercent().getAsInt()) return true;
        if (usedPercent < config.writableBelowPercent()) return false;
        return refusedNow;
    }

    /** In use as PostgreSQL sees it: what its (unprivileged) user can no longer write counts as used. */
    static double usedPercent(DiskSpace space) {
        return 100.0 * (space.totalBytes() - space.freeBytes()) / space.totalBytes();
    }
}
