package dev.pgmanager.cli;

import picocli.CommandLine.Option;

/**
 * {@code -o/--output table|json} of the commands that read and print. ({@code attach} has an output option of its
 * own: it prints a URL line or JSON, never a table.)
 */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    public OutputFormat format;
}
