package dev.pgmanager.postgres;

/** A PostgreSQL tool exited with an error or ran out of time; carries the tail of its output. */
public class CommandFailedException extends PostgresException {
    private final String summary;
    private final String outputTail;

    public CommandFailedException(String message, String outputTail) {
        super(message + (outputTail.isBlank() ? "" : "\n--- output (tail) ---\n" + outputTail));
        this.summary = message;
        this.outputTail = outputTail;
    }

    public String outputTail() {
        return outputTail;
    }

    /**
     * The message with only the last line of the output, for one-line reports (an operator's answer, the history): a
     * PostgreSQL tool prints its error last. The full output stays in {@link #getMessage()}, for the log.
     */
    public String briefly() {
        String last = outputTail.isBlank() ? "" : CommandResult.tail(outputTail, 1).strip();
        return last.isEmpty() ? summary : summary + ": " + last;
    }
}
