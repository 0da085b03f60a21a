package dev.pgmanager.sidecar.reflexes;

import dev.pgmanager.election.LeaseState;
import dev.pgmanager.sidecar.loop.LocalServer;
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

    public Fencer(LocalServer server, Failsafe failsafe, Runnable wakeLoop) {
        this.server = server;
        this.failsafe = failsafe;
        this.wakeLoop = wakeLoop;
    }

    public void onLeaseChange(LeaseState state) {
        if ((state == LeaseState.SUSPENDED || state == LeaseState.LOST) && server.lastSeen().isPrimary() && !failsafe.confirmNow()) {
            // The stop first, the line after: writing a log line can wait (a full pipe, a disk in a writeback storm)
            try {
                server.fence();
                log.warn("lease {}: stopped PostgreSQL at once so that it accepts no more writes", state);
            } catch (RuntimeException e) {
                log.error("lease {}: could not stop PostgreSQL: {}", state, e.getMessage());
            }
        }
        wakeLoop.run();
    }
}
