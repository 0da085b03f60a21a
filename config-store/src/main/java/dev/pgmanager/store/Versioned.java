package dev.pgmanager.store;

/** A value with the store version it was read at, for compare-and-set. */
public record Versioned<T>(T value, int version) {
    /** The version of a record that does not exist yet. */
    public static final int ABSENT = -1;

    public boolean exists() {
        return version != ABSENT;
    }
}
