package dev.pgmanager.backup;

import dev.pgmanager.postgres.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
                Optional<Lsn> archived = info.archiveMax().map(RecoveryWindow::segmentEnd);
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

    /** The WAL position just past the end of segment {@code name} (16 MB segments, PostgreSQL's default). */
    static Lsn segmentEnd(String name) {
        long log = Long.parseUnsignedLong(name.substring(8, 16), 16);
        long segment = Long.parseUnsignedLong(name.substring(16, 24), 16);
        return new Lsn((log << 32) + (segment + 1) * 16L * 1024 * 1024);
    }
}
