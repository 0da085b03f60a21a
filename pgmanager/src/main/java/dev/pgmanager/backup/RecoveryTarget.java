package dev.pgmanager.backup;

import dev.pgmanager.postgres.Lsn;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** How far a restore replays the archive: to its end, or to a point in time, a WAL position or a transaction. */
public sealed interface RecoveryTarget {
    /** pgBackRest's options that write the matching recovery settings. */
    List<String> pgBackRestOptions();

    /** Everything archived: the newest state the repository can give. */
    record Latest() implements RecoveryTarget {
        @Override
        public List<String> pgBackRestOptions() {
            return List.of("--type=default");
        }

        @Override
        public String toString() {
            return "the end of the archive";
        }
    }

    /** The state as of {@code time}: transactions committed by then are in, later ones are not. */
    record Time(Instant time) implements RecoveryTarget {
        private static final DateTimeFormatter POSTGRES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSx")
                .withZone(ZoneOffset.UTC);

        @Override
        public List<String> pgBackRestOptions() {
            return List.of("--type=time", "--target=" + POSTGRES.format(time), "--target-action=promote");
        }

        @Override
        public String toString() {
            return "time " + time;
        }
    }

    /** The state at WAL position {@code lsn}, that record included. */
    record Position(Lsn lsn) implements RecoveryTarget {
        @Override
        public List<String> pgBackRestOptions() {
            return List.of("--type=lsn", "--target=" + lsn, "--target-action=promote");
        }

        @Override
        public String toString() {
            return "LSN " + lsn;
        }
    }

    /** The state right after transaction {@code xid} committed. */
    record Transaction(long xid) implements RecoveryTarget {
        @Override
        public List<String> pgBackRestOptions() {
            return List.of("--type=xid", "--target=" + xid, "--target-action=promote");
        }

        @Override
        public String toString() {
            return "transaction " + xid;
        }
    }
}
