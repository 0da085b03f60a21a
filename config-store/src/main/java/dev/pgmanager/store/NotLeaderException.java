package dev.pgmanager.store;

/** A leader-only write was attempted without holding the lease. */
public class NotLeaderException extends StoreException {
    public NotLeaderException(String message) {
        super(message);
    }
}
