package dev.pgmanager.config;

/** What appears in place of a secret in {@code toString()} and messages. */
final class Secrets {
    static final String MASK = "***";

    private Secrets() {}
}
