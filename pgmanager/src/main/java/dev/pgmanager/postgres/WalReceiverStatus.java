package dev.pgmanager.postgres;

import java.util.Optional;

/** The replica's {@code pg_stat_wal_receiver} row: whom it streams from and how far it got. */
public record WalReceiverStatus(
        String status,
        Optional<String> senderHost,
        Optional<Integer> senderPort,
        Optional<String> slotName,
        int receivedTimeline,
        Optional<Lsn> flushedLsn) {
}
