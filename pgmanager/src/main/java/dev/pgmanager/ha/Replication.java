package dev.pgmanager.ha;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Synchronous replication as this member sees it in one pass: how it is configured to run it while it leads, what
 * its server's {@code synchronous_standby_names} is, and (on a primary) the standbys connected to it.
 *
 * @param settings this member's {@code ha.synchronous_*} settings
 * @param applied the server's {@code synchronous_standby_names} as pgmanager set it; empty when unknown
 * @param appliedAt the primary's WAL position right after it was set: a standby that confirmed this far holds every
 *     commit acknowledged before the change (empty while unknown)
 * @param standbys the standbys streaming from this primary, by machine ID ({@code application_name})
 */
public record Replication(SynchronousSettings settings, Optional<StandbyNames> applied, OptionalLong appliedAt,
        Map<String, Standby> standbys) {

    /**
     * One row of {@code pg_stat_replication}.
     *
     * @param state the WAL sender's state ({@code streaming} once caught up)
     * @param flushed how far the standby confirmed it flushed WAL (empty while unknown)
     * @param syncState {@code async}, {@code potential}, {@code sync} or {@code quorum}
     */
    public record Standby(String state, OptionalLong flushed, String syncState) {
        /** Whether its WAL sender has caught up and streams (PostgreSQL's own word for that state). */
        public boolean streaming() {
            return "streaming".equals(state);
        }

        public boolean confirmsCommits() {
            return "sync".equals(syncState) || "quorum".equals(syncState);
        }

        /** Whether it confirmed flushing WAL up to {@code position}. */
        public boolean flushedUpTo(OptionalLong position) {
            return position.isPresent() && flushed.isPresent() && flushed.getAsLong() >= position.getAsLong();
        }
    }

    public Replication {
        standbys = Map.copyOf(standbys);
    }

    /** A member that runs asynchronously and never set synchronous_standby_names. */
    public static Replication off() {
        return new Replication(SynchronousSettings.OFF, Optional.of(StandbyNames.ASYNCHRONOUS), OptionalLong.empty(), Map.of());
    }

    public static Replication configured(SynchronousSettings settings) {
        return new Replication(settings, Optional.empty(), OptionalLong.empty(), Map.of());
    }
}
