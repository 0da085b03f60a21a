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

    /**
     * Files a failover to {@code to}: leadership moves without waiting for it to catch up. Refused while the leader is
     * healthy or {@code to} is behind, as far as the members' records tell, unless {@code force}; forced, the answer
     * says what is lost.
     */
    Result failover(String to, boolean force);

    /** Restarts this member's PostgreSQL; answers once done (or once the wait for it ends). */
    Result restart();

    /**
     * Re-clones this member from the leader, moving its current data aside; with {@code discardOld} the moved copy is
     * deleted once the clone succeeded. Answers once done, saying where the old data is (or that it was deleted).
     */
    Result reinit(boolean discardOld);

    /**
     * Rewinds this member (a former primary, or a replica that diverged or was pinned to another upstream) onto the
     * leader's history with pg_rewind and follows the leader. Refused, saying so, when pg_rewind fails.
     */
    Result rejoin();

    /** Puts the cluster in maintenance mode. */
    Result pause();

    /** Ends maintenance mode. */
    Result resume();
}
