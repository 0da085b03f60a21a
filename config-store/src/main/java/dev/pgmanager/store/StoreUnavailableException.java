package dev.pgmanager.store;

/** The store could not be reached within the allowed time. */
public class StoreUnavailableException extends StoreException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
