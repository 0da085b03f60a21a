package dev.pgmanager.postgres;

import java.util.Optional;

/** A row of {@code pg_replication_slots}. */
public record ReplicationSlot(String name, String slotType, boolean active, Optional<Lsn> restartLsn) {
}
