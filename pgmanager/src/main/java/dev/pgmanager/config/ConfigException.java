package dev.pgmanager.config;

import java.util.List;

/**
 * The sidecar's configuration cannot be used. Carries every problem found, so an operator fixes them all in
 * one round instead of discovering them one restart at a time. Messages never contain secret values.
 */
public final class ConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** One line per problem, each naming the key (and where it was set). */
    public List<String> problems() {
        return problems;
    }

    private static String describe(List<String> problems) {
        if (problems.size() == 1) {
            return "invalid configuration: " + problems.getFirst();
        }
        return "invalid configuration, " + problems.size() + " problems:\n  - " + String.join("\n  - ", problems);
    }
}
