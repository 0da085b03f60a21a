package dev.pgmanager.store;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param diskFull whether its volume is past the read-only mark, so that its PostgreSQL refuses user writes (records
 *                 of versions before the guard leave it out: false)
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
        // Written only when true: a record of a member with room reads exactly as before the guard existed.
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean diskFull,
        Instant updatedAt) {

    public Member {
        MachineIds.requireValid(machineId);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        tags = tags == null ? Tags.NONE : tags;
    }

    /** A member whose volume has room. */
    public Member(String machineId, String region, MemberRole role, MemberState state, long timeline, long receivedPosition,
            long replayedPosition, Tags tags, int databasePort, int apiPort, Instant updatedAt) {
        this(machineId, region, role, state, timeline, receivedPosition, replayedPosition, tags, databasePort, apiPort, false, updatedAt);
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
