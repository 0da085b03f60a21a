package dev.pgmanager.store;

import java.time.Instant;

/**
 * The leader lease as recorded in the store.
 *
 * @param machineId the holder
 * @param epoch the fencing token: strictly greater than every epoch handed out before
 * @param acquiredAt when the lease was taken
 */
public record Leader(String machineId, long epoch, Instant acquiredAt) {
    public Leader {
        MachineIds.requireValid(machineId);
        if (epoch < 1) throw new IllegalArgumentException("epoch must be at least 1, was " + epoch);
    }
}
