package dev.pgmanager.postgres;

/** A PostgreSQL tool exited with an error or ran out of time; carries the tail of its output. */
public class CommandFailedException extends PostgresException {
    private final String outputTail;

    public CommandFailedException(String message, String outputTail) {
        super(message + (outputTail.isBlank() ? "" : "\n--- output (tail) ---\n" + outputTail));
        this.outputTail = outputTail;
    }

    public String outputTail() {
        return outputTail;
    }
}
