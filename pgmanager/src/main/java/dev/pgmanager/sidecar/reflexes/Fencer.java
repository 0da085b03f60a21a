package dev.pgmanager.sidecar.reflexes;

import dev.pgmanager.election.LeaseState;
import dev.pgmanager.sidecar.loop.LocalServer;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reflex that keeps one writer per epoch: the moment the lease is in doubt, a primary stops accepting writes,
 * without waiting for the control loop's next pass. The lease reports doubt at half a session timeout, so this runs
 * well before the server can give the lease to anyone else.
 */
public final class Fencer {
    private static final Logger log = LoggerFactory.getLogger(Fencer.class);

    private final LocalServer server;
    private final Failsafe failsafe;
    private final Runnable wakeLoop;
    private final Supplier<OptionalLong> ledEpoch;

    /** @param ledEpoch the epoch of the lease the control loop's last pass saw this member hold, if it held one */
    public Fencer(LocalServer server, Failsafe failsafe, Runnable wakeLoop, Supplier<OptionalLong> ledEpoch) {
        this.server = server;
        this.failsafe = failsafe;
        this.wakeLoop = wakeLoop;
        this.ledEpoch = ledEpoch;
    }

    public void onLeaseChange(LeaseState state) {
        if ((state == LeaseState.SUSPENDED || state == LeaseState.LOST) && server.lastSeen().isPrimary() && !failsafe.confirmNow()) {
            // The stop first, the line after: writing a log line can wait (a full pipe, a disk in a writeback storm)
            try {
                OptionalLong epoch = ledEpoch.get();
                if (epoch.isPresent()) {
                    server.fenceForLease(epoch.getAsLong());
                } else {
                    server.fence();
                }
                log.warn("lease {}: stopped PostgreSQL at once so that it accepts no more writes", state);
            } catch (RuntimeException e) {
                log.error("lease {}: could not stop PostgreSQL: {}", state, e.getMessage());
            }
        }
        wakeLoop.run();
    }
}
