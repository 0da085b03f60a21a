package dev.pgmanager.sidecar.reflexes;

import dev.pgmanager.election.LeaderLease;
import dev.pgmanager.election.LeaseState;
import dev.pgmanager.sidecar.loop.LocalServer;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
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

    private final LeaderLease lease;
    private final LocalServer server;
    private final BooleanSupplier failsafeConfirms;
    private final Runnable wakeLoop;
    private final Supplier<OptionalLong> ledEpoch;

    /**
     * @param failsafeConfirms asks every member now whether it still follows this primary (failsafe mode: then a primary
     *     without its lease runs on), false when not in failsafe
     * @param ledEpoch the epoch of the lease the control loop's last pass saw this member hold, if it held one
     */
    public Fencer(LeaderLease lease, LocalServer server, BooleanSupplier failsafeConfirms, Runnable wakeLoop,
            Supplier<OptionalLong> ledEpoch) {
        this.lease = lease;
        this.server = server;
        this.failsafeConfirms = failsafeConfirms;
        this.wakeLoop = wakeLoop;
        this.ledEpoch = ledEpoch;
    }

    /** Called with each new state of the lease, in order, on the lease's own thread. */
    public void onLeaseChange(LeaseState event) {
        reconcile();
        wakeLoop.run();
    }

    /**
     * Brings the server in line with the lease as it stands now, not as the event that called for it said: events queue
     * behind one another (a thaw on a "confirmed" handled after the lease was lost would let a primary write past its
     * lease). The control loop calls it too, when it finds them out of line (a promotion that ended after the lease came
     * into doubt). In doubt, a running primary is frozen; confirmed, a frozen one goes on; lost, a frozen one, or a
     * running primary, is killed or stopped. A lease released on purpose stops nothing that runs: whoever released it
     * stops the server.
     */
    public synchronized void reconcile() {
        LeaseState now = lease.state();
        // The signal first, the line after: writing a log line can wait (a full pipe, a disk in a writeback storm)
        try {
            if (server.isFrozen()) {
                if (lease.isHeld()) {
                    if (server.thaw(lease::isHeld)) log.info("lease confirmed again: PostgreSQL goes on");
                } else if ((now == LeaseState.LOST || now == LeaseState.NOT_HELD) && server.fenceForLease(ledEpoch.get())) {
                    log.warn("lease {}: stopped PostgreSQL, frozen until now, so that it accepts no more writes", now);
                }
                return;
            }
            boolean inDoubt = server.lastSeen().isPrimary() && !lease.isHeld() && now != LeaseState.NOT_HELD;
            if (!inDoubt || failsafeConfirms.getAsBoolean()) return;
            if (now == LeaseState.LOST) {
                if (server.fenceForLease(ledEpoch.get())) {
                    log.warn("lease {}: stopped PostgreSQL at once so that it accepts no more writes", now);
                }
            } else if (server.freezeForLease(ledEpoch.get())) {
                log.warn("lease {}: froze PostgreSQL at once so that it accepts no writes until the lease is confirmed again "
                        + "(then it goes on) or lost (then it is stopped)", now);
            }
        } catch (RuntimeException e) {
            log.error("lease {}: could not fence or thaw PostgreSQL: {}", now, e.getMessage());
        }
    }
}
