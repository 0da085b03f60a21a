package dev.pgmanager.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What one member publishes about itself. Keyed by machine ID; deliberately holds no network address,
 * because addresses change when a machine moves and are always looked up instead.
 *
 * @param machineId the member's stable identity
 * @param region where it runs (Fly region code, or any label)
 * @param role what its database is doing now
 * @param state what its database is doing, in more detail than its role
 * @param timeline the database's current timeline (0 when unknown)
 * @param receivedPosition last WAL position received (bytes; -1 when unknown)
 * @param replayedPosition last WAL position replayed or written (bytes; -1 when unknown)
 * @param tags operator tags that shape elections
 * @param databasePort the port its database listens on
 * @param apiPort the port of its sidecar's HTTP API
 * @param updatedAt when the record was written
 */
public record Member(
        String machineId,
        String region,
        MemberRole role,
        MemberState state,
        long timeline,
        long receivedPosition,
        long replayedPosition,
        Tags tags,
        int databasePort,
        int apiPort,
        Instant updatedAt) {

    public Member {
        MachineIds.requireValid(machineId);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        tags = tags == null ? Tags.NONE : tags;
    }

    /**
     * Operator tags.
     *
     * @param noFailover never promote this member
     * @param priority higher wins among otherwise equal candidates
     * @param noSync never make this member a synchronous standby
     */
    public record Tags(boolean noFailover, int priority, boolean noSync) {
        public static final Tags NONE = new Tags(false, 0, false);

        public Tags(boolean noFailover, int priority) {
            this(noFailover, priority, false);
        }
    }
}
