package dev.pgmanager.ha;

import dev.pgmanager.net.MachineId;
import java.util.Optional;

/**
 * Failsafe mode (the store unreachable) as this member stands in it.
 *
 * @param promisedTo a replica told this leader, within the last session timeout, that it follows it: until the
 *     promise ends it does not take the lease, so the leader may rely on the answer
 * @param confirmedByAll this primary lost its lease to a store it cannot reach, and every member it knows confirmed
 *     recently that it follows it: it keeps accepting writes
 */
public record FailsafeState(Optional<MachineId> promisedTo, boolean confirmedByAll) {
    public static final FailsafeState NONE = new FailsafeState(Optional.empty(), false);
}
