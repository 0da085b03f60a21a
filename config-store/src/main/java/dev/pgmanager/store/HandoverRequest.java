package dev.pgmanager.store;

import java.time.Instant;
import java.util.Objects;

/**
 * An operator's request to move leadership.
 *
 * @param kind switchover (planned, the leader hands over) or failover (forced, no healthy leader needed)
 * @param from the leader expected to step down (null: whoever leads)
 * @param to the member that should lead (null: the best candidate; required for a failover)
 * @param requestedAt when it was filed
 * @param lastLsn where the leader that stepped down for it stopped writing WAL (its shutdown checkpoint), recorded once
 *     its server is down and before it lets go of the lease: the target takes over only with WAL past it. Null before,
 *     and in records of versions that did not write it.
 */
public record HandoverRequest(Kind kind, String from, String to, Instant requestedAt, Long lastLsn) {
    public enum Kind { SWITCHOVER, FAILOVER }

    public HandoverRequest {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.FAILOVER && to == null) throw new IllegalArgumentException("a failover needs a target member");
    }

    /** A request as filed: nobody has stepped down for it yet. */
    public HandoverRequest(Kind kind, String from, String to, Instant requestedAt) {
        this(kind, from, to, requestedAt, null);
    }

    /** This request, with the point where the leader that stepped down for it stopped writing WAL. */
    public HandoverRequest withLastLsn(long lsn) {
        return new HandoverRequest(kind, from, to, requestedAt, lsn);
    }
}
