package dev.pgmanager.postgres;

/**
 * The size of the WAL segments of a cluster pgmanager makes ({@code initdb --wal-segsize}); a member that clones,
 * restores or forks one has its source's.
 *
 * @param bytes a power of two from 1 MB to 1 GB, as initdb accepts
 */
public record WalSegmentSize(long bytes) {
    /**
     * 4 MB rather than initdb's 16: a primary that archives fills the rest of its segment with zeros at every clean
     * shutdown, and writes, syncs and sends them to every replica before a switchover can hand over (with 16 MB segments
     * the switchover's write pause was 100 ms longer, measured), and again at every {@code archive_timeout} of a lightly
     * written cluster; 1 MB segments would run the archive command four times as often under a heavy write load.
     */
    public static final WalSegmentSize DEFAULT = new WalSegmentSize(4L << 20);

    public WalSegmentSize {
        if (bytes < 1L << 20 || bytes > 1L << 30 || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("a power of two from 1MB to 1GB: 1MB, 2MB, 4MB, ..., 1GB");
        }
    }

    /** As initdb takes it. */
    public long megabytes() {
        return bytes >> 20;
    }

    @Override
    public String toString() {
        return megabytes() + "MB";
    }
}
