package dev.pgmanager.backup;

import dev.pgmanager.postgres.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which backups a recovery window needs, which one a restore starts from, and which restore targets the repository can
 * reach. Pure rules over {@link RepositoryInfo}, so that they are tested as a table.
 */
public final class RecoveryWindow {
    private RecoveryWindow() {}

    /**
     * The full backups (with the differential and incremental backups built on them) that no point of the window
     * {@code [now - window, now]} needs: every full backup older than the newest full backup that finished at or
     * before the window's start. That one stays, since replaying from it is the only way to reach the window's first
     * moments; so does everything newer. Oldest first.
     */
    public static List<String> expired(List<BackupSet> backups, Instant now, Duration window) {
        Instant windowStart = now.minus(window);
        Optional<BackupSet> anchor = backups.stream()
                .filter(BackupSet::full)
                .filter(b -> !b.stopped().isAfter(windowStart))
                .reduce((a, b) -> b);
        if (anchor.isEmpty()) return List.of();
        List<String> expired = new ArrayList<>();
        for (BackupSet backup : backups) {
            if (backup.full() && backup.stopped().isBefore(anchor.get().stopped())) expired.add(backup.label());
        }
        return expired;
    }

    /**
     * The backup a restore to {@code target} starts from: {@code requested} if given (checked), else the newest one that
     * finished before the target (the oldest for a transaction, whose time is unknown).
     *
     * @throws BackupException when no backup can reach the target: it lies before the oldest backup finished, after
     *     the archive ends, or in the future; nothing has been written then
     */
    public static BackupSet startingPoint(RepositoryInfo info, Optional<String> requested, RecoveryTarget target, Instant now) {
        if (info.backups().isEmpty()) {
            throw new BackupException("the repository has no backup to restore from (status: " + info.status() + "); take one "
                    + "with pgmanager backup create");
        }
        List<BackupSet> candidates = requested.isPresent()
                ? List.of(info.find(requested.get()).orElseThrow(() -> new BackupException("no backup " + requested.get()
                        + " in the repository; pgmanager backup list shows the backups there")))
                : info.backups();
        BackupSet oldest = candidates.getFirst();
        return switch (target) {
            case RecoveryTarget.Latest latest -> candidates.getLast();
            // A transaction's time is unknown until replay reaches it: start from the oldest backup, which reaches
            // every transaction of the window (the newest would miss one committed before it finished).
            case RecoveryTarget.Transaction xid -> candidates.getFirst();
            case RecoveryTarget.Time time -> {
                if (time.time().isAfter(now)) {
                    throw new BackupException("the target time " + time.time() + " is in the future: a restore can only reach "
                            + "what has been archived (use --from latest for everything)");
                }
                yield candidates.stream().filter(b -> !b.stopped().isAfter(time.time())).reduce((a, b) -> b)
                        .orElseThrow(() -> outsideWindow(target, "the oldest backup there finished at " + oldest.stopped()));
            }
            case RecoveryTarget.Position position -> {
                // without a segment size read from the backups the archive's end is unknown: PostgreSQL's recovery says
                Optional<Lsn> archived = segmentSize(info.backups())
                        .flatMap(size -> info.archiveMax().map(max -> segmentEnd(max, size)));
                if (archived.isPresent() && position.lsn().isAfter(archived.get())) {
                    throw new BackupException("the target " + target + " lies after the end of the archive (" + archived.get()
                            + "): that WAL has not been archived");
                }
                yield candidates.stream().filter(b -> !Lsn.parse(b.stopLsn()).isAfter(position.lsn())).reduce((a, b) -> b)
                        .orElseThrow(() -> outsideWindow(target, "the oldest backup there is consistent from " + oldest.stopLsn()));
            }
        };
    }

    private static BackupException outsideWindow(RecoveryTarget target, String why) {
        return new BackupException("the target " + target + " lies before what the repository can restore: " + why
                + " (pgmanager backup list shows the recovery window)");
    }

    /** The WAL position just past the end of segment {@code name} of a cluster with {@code segmentSize}-byte segments. */
    static Lsn segmentEnd(String name, long segmentSize) {
        return new Lsn(SegmentName.parse(name).start(segmentSize) + segmentSize);
    }

    /** A WAL segment's file name: its timeline, the 4 GB log and the segment in it, 8 hex digits each. */
    private record SegmentName(long log, long segment) {
        static SegmentName parse(String name) {
            if (name.length() != 24) throw new IllegalArgumentException("not a WAL segment's name: " + name);
            return new SegmentName(Long.parseUnsignedLong(name.substring(8, 16), 16), Long.parseUnsignedLong(name.substring(16, 24), 16));
        }

        /** Where it starts, in a cluster of {@code segmentSize}-byte segments. */
        long start(long segmentSize) {
            return (log << 32) + segment * segmentSize;
        }
    }

    /**
     * The WAL segment size of the cluster whose backups these are (a cluster chooses it at initdb: pgmanager's are 4 MB,
     * PostgreSQL's default 16, a migrated cluster's anything from 1 MB to 1 GB): each backup names the segments its start
     * and stop positions lie in, and one size alone puts a position in its segment, but for a position in the first
     * segment of its 4 GB log, where every size would.
     */
    static Optional<Long> segmentSize(List<BackupSet> backups) {
        return backups.stream()
                .flatMap(b -> Stream.of(sizePlacing(b.startLsn(), b.walStart()), sizePlacing(b.stopLsn(), b.walStop())))
                .flatMap(Optional::stream)
                .findFirst();
    }

    private static Optional<Long> sizePlacing(String lsnText, String segmentName) {
        try {
            long lsn = Lsn.parse(lsnText).value();
            SegmentName name = SegmentName.parse(segmentName);
            if (name.segment() == 0 || lsn >>> 32 != name.log()) return Optional.empty();
            for (long size = 1L << 20; size <= 1L << 30; size <<= 1) {
                if (lsn >= name.start(size) && lsn < name.start(size) + size) return Optional.of(size);
            }
        } catch (IllegalArgumentException unreadable) {
            // pgBackRest's output is not what we expect: no size from this one
        }
        return Optional.empty();
    }
}
