package dev.pgmanager.store;

/** A compare-and-set lost: the record changed since it was read. */
public class StaleVersionException extends StoreException {
    public StaleVersionException(String message) {
        super(message);
    }
}
