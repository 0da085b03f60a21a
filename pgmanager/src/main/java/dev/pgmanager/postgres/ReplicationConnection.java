package dev.pgmanager.postgres;

import java.util.Optional;

/** One row of the primary's {@code pg_stat_replication}: a replica (or backup) streaming from it. */
public record ReplicationConnection(
        String applicationName,
        Optional<String> clientAddress,
        String state,
        Optional<Lsn> sentLsn,
        Optional<Lsn> writeLsn,
        Optional<Lsn> flushLsn,
        Optional<Lsn> replayLsn,
        String syncState) {
}
