package dev.pgmanager.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

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
 * @param backups how the cluster's backups stand, written by the leader only (the one member that archives and takes
 *                backups); empty on every other member, on a leader whose cluster has no backups, and in records of
 *                versions before backups
 * @param backupSource where the leader reads this member's files for a backup taken from it (its pgBackRest server);
 *                     empty on members without one and in records of versions before it
 * @param pendingRestart the settings its PostgreSQL has been given but applies only at its next restart
 *                       ({@code pg_settings.pending_restart}), by name; empty when none (and in records of versions
 *                       before it)
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
        // Written only when present: a record without backups reads exactly as before they existed.
        @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<Backups> backups,
        @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<BackupSource> backupSource,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) java.util.List<String> pendingRestart,
        Instant updatedAt) {

    public Member {
        MachineIds.requireValid(machineId);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        tags = tags == null ? Tags.NONE : tags;
        backups = backups == null ? Optional.empty() : backups;
        backupSource = backupSource == null ? Optional.empty() : backupSource;
        pendingRestart = pendingRestart == null ? java.util.List.of() : java.util.List.copyOf(pendingRestart);
    }

    /** A member with no setting waiting for a restart. */
    public Member(String machineId, String region, MemberRole role, MemberState state, long timeline, long receivedPosition,
            long replayedPosition, Tags tags, int databasePort, int apiPort, boolean diskFull, Optional<Backups> backups,
            Optional<BackupSource> backupSource, Instant updatedAt) {
        this(machineId, region, role, state, timeline, receivedPosition, replayedPosition, tags, databasePort, apiPort, diskFull,
                backups, backupSource, java.util.List.of(), updatedAt);
    }

    /** A member that serves no backup source. */
    public Member(String machineId, String region, MemberRole role, MemberState state, long timeline, long receivedPosition,
            long replayedPosition, Tags tags, int databasePort, int apiPort, boolean diskFull, Optional<Backups> backups,
            Instant updatedAt) {
        this(machineId, region, role, state, timeline, receivedPosition, replayedPosition, tags, databasePort, apiPort, diskFull,
                backups, Optional.empty(), updatedAt);
    }

    /** A member whose volume has room, and that reports no backups. */
    public Member(String machineId, String region, MemberRole role, MemberState state, long timeline, long receivedPosition,
            long replayedPosition, Tags tags, int databasePort, int apiPort, Instant updatedAt) {
        this(machineId, region, role, state, timeline, receivedPosition, replayedPosition, tags, databasePort, apiPort, false, updatedAt);
    }

    /** A member that reports no backups. */
    public Member(String machineId, String region, MemberRole role, MemberState state, long timeline, long receivedPosition,
            long replayedPosition, Tags tags, int databasePort, int apiPort, boolean diskFull, Instant updatedAt) {
        this(machineId, region, role, state, timeline, receivedPosition, replayedPosition, tags, databasePort, apiPort, diskFull,
                Optional.empty(), updatedAt);
    }

    /**
     * What the leader needs to take a backup from this member while it is a replica: the port of its pgBackRest server
     * (on the member's address, looked up like every address) and where its PostgreSQL's files and socket are.
     */
    public record BackupSource(int port, String dataDirectory, String socketDirectory) {
        public BackupSource {
            Objects.requireNonNull(dataDirectory, "dataDirectory");
            Objects.requireNonNull(socketDirectory, "socketDirectory");
        }
    }

    /**
     * The cluster's backups as the leader last saw them: plain facts, for {@code /cluster}, {@code pgmanager list} and
     * {@code doctor} to judge. Every field is written, absent ones as null, so that a reader can tell a field it does not
     * know from one without a value.
     *
     * @param lastArchivedAt when the last WAL segment was archived
     * @param lastArchivedWal the name of that segment
     * @param walWaitingSince when the oldest segment not archived yet was completed; empty while none waits, so an idle
     *                        cluster, which archives nothing, is not mistaken for one whose archiving stalled
     * @param archiveFailingSince the first failed attempt of the current run of failures; empty while archiving works
     * @param failedArchiveAttempts failed attempts counted by the server since its statistics were last reset
     * @param lastBackupAt when the newest base backup finished
     * @param lastBackupLabel that backup's label
     * @param oldestRecoveryPoint the earliest time a restore can reach
     * @param backupCount how many base backups the repository holds
     * @param repositoryBytes what they take there (compressed; archived WAL not counted)
     * @param problem what stops backups or archiving now, in words; empty when nothing does
     * @param archiveTimeoutMillis the longest a written transaction waits before its segment is completed and archived
     * @param backupIntervalMillis the longest the schedule lets pass between two base backups
     */
    public record Backups(
            Optional<Instant> lastArchivedAt,
            Optional<String> lastArchivedWal,
            Optional<Instant> walWaitingSince,
            Optional<Instant> archiveFailingSince,
            long failedArchiveAttempts,
            Optional<Instant> lastBackupAt,
            Optional<String> lastBackupLabel,
            Optional<Instant> oldestRecoveryPoint,
            int backupCount,
            long repositoryBytes,
            Optional<String> problem,
            long archiveTimeoutMillis,
            long backupIntervalMillis) {

        public Backups {
            Objects.requireNonNull(lastArchivedAt, "lastArchivedAt");
            Objects.requireNonNull(lastArchivedWal, "lastArchivedWal");
            Objects.requireNonNull(walWaitingSince, "walWaitingSince");
            Objects.requireNonNull(archiveFailingSince, "archiveFailingSince");
            Objects.requireNonNull(lastBackupAt, "lastBackupAt");
            Objects.requireNonNull(lastBackupLabel, "lastBackupLabel");
            Objects.requireNonNull(oldestRecoveryPoint, "oldestRecoveryPoint");
            Objects.requireNonNull(problem, "problem");
        }
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
