package dev.pgmanager.cli;

/**
 * The command ran and could not do what was asked (a request refused, a member unreachable, a wait timed out). Its
 * message is the operator's answer; {@link ErrorReporter} prints it and exits with 1.
 */
final class CommandFailed extends RuntimeException {
    CommandFailed(String message) {
        super(message, null, false, false);
    }

    CommandFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
