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
 *
 * <p>In doubt, the primary is frozen rather than stopped: a store that answers late (a loaded machine, a slow network)
 * confirms the lease again before it could have expired, and the primary goes on with its connections, with no restart
 * and no new timeline; clients only waited. Lost, the lease ends it: the frozen server is killed (it can neither shut
 * down frozen nor be let run to do so).
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

    /** Called with each new state of the lease, in order, on the lease's own thread. */
    public void onLeaseChange(LeaseState state) {
        // The signal first, the line after: writing a log line can wait (a full pipe, a disk in a writeback storm)
        try {
            switch (state) {
                case SUSPENDED -> {
                    if (server.lastSeen().isPrimary() && !server.isFrozen() && !failsafe.confirmNow()
                            && server.freezeForLease(ledEpoch.get())) {
                        log.warn("lease {}: froze PostgreSQL at once so that it accepts no writes until the lease is "
                                + "confirmed again (then it goes on) or lost (then it is stopped)", state);
                    }
                }
                case HELD -> {
                    if (server.isFrozen()) {
                        server.thaw();
                        log.info("lease confirmed again: PostgreSQL goes on");
                    }
                }
                case LOST, NOT_HELD -> {
                    boolean wasFrozen = server.isFrozen();
                    if (wasFrozen || (state == LeaseState.LOST && server.lastSeen().isPrimary() && !failsafe.confirmNow())) {
                        server.fenceForLease(ledEpoch.get());
                        log.warn("lease {}: stopped PostgreSQL{} so that it accepts no more writes", state,
                                wasFrozen ? " (frozen until now)" : " at once");
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("lease {}: could not fence or thaw PostgreSQL: {}", state, e.getMessage());
        }
        wakeLoop.run();
    }
}
