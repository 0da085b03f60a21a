package dev.pgmanager.cli;

import picocli.CommandLine.Mixin;

/** A command that reads a cluster and prints what it found, as a table for people or as JSON for scripts. */
abstract class ClusterReport extends ClusterCommand {
    @Mixin
    OutputOption output;
}
