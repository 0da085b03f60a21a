package dev.pgmanager.cli;

import dev.pgmanager.aot.AotTraining;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgmanager aot-cache}: makes the JDK's AOT cache that lets a sidecar start in about half the time. */
@Command(
        name = "aot-cache",
        mixinStandardHelpOptions = true,
        description = {
            "Makes the JDK's AOT cache for the sidecar (-XX:AOTCache): the classes it loads, parsed and linked, recorded",
            "from a training run, so that a sidecar starts in about half the time.",
            "The training is a one-member cluster of its own on loopback (an embedded store, a throwaway PostgreSQL in a",
            "temporary directory), started, restarted and stopped cleanly; nothing of it is left. A cache fits only the JDK",
            "and class path that made it: run this command as the sidecar is launched (the image's build does; bin/pgmanager",
            "does for the local cluster). Needs PostgreSQL's programs, and root or the PostgreSQL user. About 10 s.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the cache is written, and this JVM accepts it",
            "1:the training failed (the message says why, with the end of its sidecar's log); no cache is written",
            "2:invalid command line, a directory for --output that cannot be made or written, or a temporary directory "
                    + "(java.io.tmpdir) that PostgreSQL's user cannot reach",
        })
final class AotCacheCommand implements Callable<Integer> {
    @Option(names = "--output", required = true, paramLabel = "FILE", description = "The cache to write (replaced once made).")
    Path output;

    @Option(names = "--pg-bin", paramLabel = "DIR", description = "PostgreSQL's programs (default: where the sidecar looks).")
    Path postgresBinaries;

    @Option(names = "--timeout", defaultValue = "120s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the training sidecar may take to lead, each of its two starts (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long bytes = new AotTraining(output, Optional.ofNullable(postgresBinaries), timeout).run();
        spec.commandLine().getOut().printf("wrote %s (%d MB)%n", output, bytes >> 20);
        return 0;
    }
}
