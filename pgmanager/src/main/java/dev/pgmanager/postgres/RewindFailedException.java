package dev.pgmanager.postgres;

/**
 * pg_rewind could not bring the data directory onto the new primary's timeline. The caller's usual
 * answer is to move the data directory aside and clone it again.
 */
public final class RewindFailedException extends CommandFailedException {
    public RewindFailedException(String message, String outputTail) {
        super(message, outputTail);
    }
}
