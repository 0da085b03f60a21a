package dev.pgmanager.postgres;

/**
 * A WAL position ("log sequence number"), written by PostgreSQL as two hex halves: {@code 0/16B3748}.
 * The value is an unsigned 64-bit byte offset; real clusters never come near the sign bit, but
 * comparisons are unsigned anyway so that the ordering is right for every value PostgreSQL can print.
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn ZERO = new Lsn(0);

    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("not an LSN (expected like 0/16B3748): '" + text + "'");
        }
        try {
            long high = Long.parseLong(text, 0, slash, 16);
            long low = Long.parseLong(text, slash + 1, text.length(), 16);
            return new Lsn(high << 32 | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN (expected like 0/16B3748): '" + text + "'", e);
        }
    }

    /** Bytes of WAL from {@code earlier} to this position; negative when {@code earlier} is ahead. */
    public long bytesSince(Lsn earlier) {
        return value - earlier.value;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
