package dev.pgmanager.postgres;

/** Something PostgreSQL or one of its tools did not do; the message says what and where. */
public class PostgresException extends RuntimeException {
    public PostgresException(String message) {
        super(message);
    }

    public PostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}
