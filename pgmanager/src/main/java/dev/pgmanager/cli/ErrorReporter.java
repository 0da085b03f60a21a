package dev.pgmanager.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failure into one line an operator can act on, and an exit code a script can rely on. The stack trace
 * is printed only with {@code PGMANAGER_DEBUG=1}: operators need the message, developers the trace.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
    static final int FAILED = 1;
    static final int INVALID_INPUT = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        return report(e, commandLine.getErr());
    }

    /** Says why on {@code err} and returns the exit code; also for the sidecar's command read without picocli. */
    static int report(Exception e, PrintWriter err) {
        err.println("pgmanager: " + describe(e));
        if ("1".equals(System.getenv("PGMANAGER_DEBUG"))) e.printStackTrace(err);
        return e instanceof IllegalArgumentException ? INVALID_INPUT : FAILED;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
