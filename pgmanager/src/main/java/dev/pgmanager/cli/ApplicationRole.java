package dev.pgmanager.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code attach} and {@code detach} act on: an application's role, in the cluster the target options name. */
final class ApplicationRole {
    @Mixin
    ClusterTarget cluster;

    @Option(names = "--database-user", required = true, paramLabel = "U", description = "The application's role.")
    String user;
}
