package dev.pgmanager.doctor;

import dev.pgmanager.postgres.Lsn;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One member's PostgreSQL as it describes itself.
 *
 * @param primary it accepts writes (not in recovery)
 * @param timeline the timeline it writes (primary) or receives/replays (replica)
 * @param received a replica's last received WAL
 * @param replayed a replica's last replayed WAL
 * @param current a primary's write position
 * @param receiver a replica's WAL receiver, when one runs
 * @param primaryConninfo the primary_conninfo setting in effect (empty when unset)
 * @param conninfoSource the file that set it (pgmanager's upstream file, or postgresql.auto.conf for ALTER SYSTEM)
 * @param slots a primary's physical replication slots
 * @param switchpoints a primary's timeline history: each earlier timeline and the WAL position where it ended
 */
public record ServerFacts(
        boolean primary,
        long timeline,
        Optional<Lsn> received,
        Optional<Lsn> replayed,
        Optional<Lsn> current,
        Optional<Receiver> receiver,
        Optional<String> primaryConninfo,
        Optional<String> conninfoSource,
        List<Slot> slots,
        Map<Long, Lsn> switchpoints) {
    public ServerFacts {
        slots = List.copyOf(slots);
        switchpoints = Map.copyOf(switchpoints);
    }

    public Optional<Lsn> position() {
        return primary ? current : replayed;
    }

    /** A {@code pg_stat_wal_receiver} row: whom the replica really connects to. */
    public record Receiver(String status, Optional<String> senderHost, Optional<Integer> senderPort, Optional<String> conninfo) {}

    /** A physical replication slot, and how much WAL it makes the primary keep. */
    public record Slot(String name, boolean active, Optional<Lsn> restartLsn, Optional<String> walStatus, long retainedBytes) {}
}
