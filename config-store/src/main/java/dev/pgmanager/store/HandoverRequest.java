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
 */
public record HandoverRequest(Kind kind, String from, String to, Instant requestedAt) {
    public enum Kind { SWITCHOVER, FAILOVER }

    public HandoverRequest {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.FAILOVER && to == null) throw new IllegalArgumentException("a failover needs a target member");
    }
}
