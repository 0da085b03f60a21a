package dev.pgmanager.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** An operator command aimed at one cluster ({@link ClusterTarget}'s options), printing to the command line's output. */
abstract class ClusterCommand implements Callable<Integer> {
    @Mixin
    ClusterTarget target;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
