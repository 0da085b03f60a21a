package dev.pgmanager.postgres;

import java.time.Duration;
import java.util.Optional;

/**
 * One row of the primary's {@code pg_stat_replication}: a replica (or backup) streaming from it.
 *
 * @param replayLag how long ago the replica replayed the WAL it last confirmed; PostgreSQL shows none (empty) once a
 *     replica has caught up and no new WAL came for a while
 */
public record ReplicationConnection(
        String applicationName,
        Optional<String> clientAddress,
        String state,
        Optional<Lsn> sentLsn,
        Optional<Lsn> writeLsn,
        Optional<Lsn> flushLsn,
        Optional<Lsn> replayLsn,
        String syncState,
        Optional<Duration> replayLag) {
}
