package dev.pgmanager.api;

/** WAL positions in the notation PostgreSQL prints them in ({@code pg_current_wal_lsn()} gives {@code 0/3000060}). */
final class Lsn {
    private Lsn() {}

    /** @return {@code X/Y} in upper-case hex, or null for an unknown (negative) position */
    static String format(long position) {
        if (position < 0) return null;
        return "%X/%X".formatted(position >>> 32, position & 0xFFFF_FFFFL);
    }
}
