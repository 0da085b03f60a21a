package dev.pgmanager.ha;

import java.util.List;

/**
 * The outcome of one pass: what to do, and one sentence saying why. The sentence is the log line and the test
 * oracle.
 */
public record Decision(List<Action> actions, String reason) {
    public Decision {
        actions = List.copyOf(actions);
    }

    public static Decision none(String reason) {
        return new Decision(List.of(), reason);
    }

    public static Decision of(String reason, Action... actions) {
        return new Decision(List.of(actions), reason);
    }
}
