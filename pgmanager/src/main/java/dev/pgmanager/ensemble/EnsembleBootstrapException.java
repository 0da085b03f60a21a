package dev.pgmanager.ensemble;

/** The peer set could not be chosen or started; nothing was written. The message says why and what to do. */
public final class EnsembleBootstrapException extends RuntimeException {
    public EnsembleBootstrapException(String message) {
        super(message);
    }
}
