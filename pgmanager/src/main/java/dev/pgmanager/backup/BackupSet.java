package dev.pgmanager.backup;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One base backup in the repository, as {@code pgbackrest info} describes it.
 *
 * @param label      pgBackRest's name for it, such as {@code 20261203-101500F} (F full, D differential, I incremental)
 * @param prior      the backup a differential or incremental one builds on; empty for a full one
 * @param startLsn   where recovery from it starts; {@code stopLsn}: the first point it is consistent at
 * @param walStart   the first WAL segment it needs; {@code walStop}: the last
 * @param sizeBytes  the database's size; {@code storedBytes}: what the backup itself keeps in the repository
 */
public record BackupSet(String label, String type, Optional<String> prior, Instant started, Instant stopped,
                        String startLsn, String stopLsn, String walStart, String walStop, long sizeBytes, long storedBytes) {
    public BackupSet {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(prior, "prior");
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(stopped, "stopped");
    }

    public boolean full() {
        return "full".equals(type);
    }
}
