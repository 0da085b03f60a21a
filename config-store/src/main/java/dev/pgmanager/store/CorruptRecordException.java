package dev.pgmanager.store;

/** A record in the store cannot be read (garbage, or a format this version does not know); never treated as empty. */
public class CorruptRecordException extends StoreException {
    private final String location;

    public CorruptRecordException(String location, String problem, Throwable cause) {
        super("unreadable record at " + location + ": " + problem, cause);
        this.location = location;
    }

    /** Where the record lives (for ZooKeeper, the znode path). */
    public String location() {
        return location;
    }
}
