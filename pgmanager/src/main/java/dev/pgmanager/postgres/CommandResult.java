package dev.pgmanager.postgres;

import java.util.List;

/** What a finished PostgreSQL tool left behind: its exit code and its (merged) output. */
public record CommandResult(List<String> command, int exitCode, String output) {
    private static final int TAIL_LINES = 30;

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The failure this result is, saying the command line and its exit code, with the output's tail. */
    public CommandFailedException failure() {
        return new CommandFailedException("'" + String.join(" ", command) + "' exited with " + exitCode, outputTail());
    }

    public String outputTail() {
        return tail(output, TAIL_LINES);
    }

    static String tail(String text, int lines) {
        String[] all = text.strip().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", List.of(all).subList(from, all.length));
    }
}
