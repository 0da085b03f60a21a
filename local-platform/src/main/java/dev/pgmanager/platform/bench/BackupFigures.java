package dev.pgmanager.platform.bench;

import dev.pgmanager.postgres.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The arithmetic of the backup benchmark: throughput, where an archived WAL segment ends, what a lost volume loses. */
final class BackupFigures {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");

    private BackupFigures() {}

    /** One acknowledged write: when its commit returned, and a WAL position at or past its commit record. */
    record Write(Instant acknowledgedAt, Lsn lsn) {}

    /** Megabytes (10^6 bytes) a second. */
    static double megabytesPerSecond(long bytes, Duration elapsed) {
        if (elapsed.isNegative() || elapsed.isZero()) throw new IllegalArgumentException("no time elapsed: " + elapsed);
        return bytes / 1e6 / (elapsed.toNanos() / 1e9);
    }

    /** {@code 123.4 MB} or, from a gigabyte on, {@code 1.23 GB} (powers of ten, as pgmanager backup list prints them). */
    static String size(long bytes) {
        return bytes >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** {@code 12.3 s}. */
    static String seconds(Duration d) {
        return seconds(d.toMillis());
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /**
     * The WAL position just past the segment file {@code name} (like {@code 000000010000000A000000FF}), for segments of
     * {@code segmentBytes}; empty for anything else the archiver archives (a {@code .history}, {@code .backup} or
     * {@code .partial} file), whose name says nothing sure about which segments are archived.
     */
    static Optional<Lsn> segmentEnd(String name, long segmentBytes) {
        if (name == null || !SEGMENT.matcher(name).matches()) return Optional.empty();
        if (Long.bitCount(segmentBytes) != 1) throw new IllegalArgumentException("a WAL segment size is a power of two: " + segmentBytes);
        long segmentsPerLogId = 0x1_0000_0000L / segmentBytes;
        long logId = Long.parseLong(name, 8, 16, 16);
        long segment = Long.parseLong(name, 16, 24, 16);
        return Optional.of(new Lsn((logId * segmentsPerLogId + segment + 1) * segmentBytes));
    }

    /**
     * What a lost volume would lose at {@code now} if the archive ends at {@code archivedThrough}: the age of the oldest
     * acknowledged write past it (zero when every write is archived). {@code writes} are in the order acknowledged.
     */
    static Duration exposure(List<Write> writes, Lsn archivedThrough, Instant now) {
        return firstWritePast(writes, archivedThrough).map(w -> Duration.between(w.acknowledgedAt(), now)).filter(d -> !d.isNegative())
                .orElse(Duration.ZERO);
    }

    /** The first acknowledged write whose commit lies past {@code position}: made after that segment was switched away from. */
    static Optional<Write> firstWritePast(List<Write> writes, Lsn position) {
        return writes.stream().filter(w -> w.lsn().isAfter(position)).findFirst();
    }

    /** The largest of {@code values}, empty for none. */
    static Optional<Long> max(List<Long> values) {
        return values.stream().max(Long::compare);
    }
}
