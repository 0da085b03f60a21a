package dev.pgmanager.api;

import java.util.Optional;

/** What an authenticated operator may ask of this sidecar through the HTTP API. */
public interface OperatorCommands {

    /**
     * The outcome of a command.
     *
     * @param accepted false when the command was refused (the message says why)
     * @param message one sentence for the operator
     */
    record Result(boolean accepted, String message) {
        public static Result accepted(String message) {
            return new Result(true, message);
        }

        public static Result refused(String message) {
            return new Result(false, message);
        }
    }

    /** Files a planned switchover to {@code to}, or to the best replica. */
    Result switchover(Optional<String> to);

    /** Files a forced failover to {@code to}. */
    Result failover(String to);

    /** Restarts this member's PostgreSQL. */
    Result restart();

    /** Re-clones this member from the leader, moving its current data aside. */
    Result reinit();

    /** Puts the cluster in maintenance mode. */
    Result pause();

    /** Ends maintenance mode. */
    Result resume();
}
