package dev.pgmanager.cli;

/** How a reading command prints: aligned columns for people, or JSON for scripts. */
public enum OutputFormat {
    table,
    json
}
