package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.DurationConverter;
import dev.pgmanager.platform.bench.FailoverBenchmark;
import dev.pgmanager.platform.bench.HeadlineFigures;
import dev.pgmanager.platform.bench.MigrationBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgmanager bench}: measurements that print their figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print their figures.",
        subcommands = {BenchCommand.All.class, BenchCommand.Failover.class, BenchCommand.Migration.class, ChaosCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "all", mixinStandardHelpOptions = true, description = {
        "The headline figures, each on a fresh local cluster (removed afterwards): crash failover and switchover write",
        "gaps, the write gap of a migrated primary, the sidecars' memory at rest (PSS and RSS), and the acknowledged",
        "writes lost; printed with the run's date and machine. It asserts nothing: CI runs it with --quick at the end.",
    })
    static final class All implements Callable<Integer> {
        @Option(names = "--quick", description = "One round of each (about two minutes) instead of 5 crashes, 5 switchovers and 3 migration rounds.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            Path work = benchDirectory();
            try {
                new HeadlineFigures(System.out).run(work, quick);
            } finally {
                // Each benchmark removes its cluster's directory; a failed one may leave it here to look at.
                try (var left = Files.list(work)) {
                    if (left.findAny().isEmpty()) Files.delete(work);
                }
            }
            return 0;
        }
    }

    /** A fresh directory that the members' unprivileged OS user can enter. */
    static Path benchDirectory() throws java.io.IOException {
        Path dir = Files.createTempDirectory("pgmanager-bench-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    @Command(name = "failover", mixinStandardHelpOptions = true, description = {
        "On a fresh local cluster (removed afterwards), crash failovers (the leader's machine killed) and planned",
        "switchovers, each under a writer inserting every 20 ms: prints each write gap and the acknowledged writes",
        "lost, then the median and maximum, and each sidecar's memory at rest (RSS and PSS).",
    })
    static final class Failover implements Callable<Integer> {
        @Option(names = "--crashes", defaultValue = "5", description = "Crash failovers (default: ${DEFAULT-VALUE}).")
        int crashes;

        @Option(names = "--switchovers", defaultValue = "5", description = "Switchovers (default: ${DEFAULT-VALUE}).")
        int switchovers;

        @Option(names = "--nodes", defaultValue = "3", description = "Members (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--session-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "The members' store.session_timeout (default: the sidecar's, 3s).")
        java.time.Duration sessionTimeout;

        @Override
        public Integer call() throws Exception {
            new FailoverBenchmark(System.out).run(benchDirectory(), nodes, java.util.Optional.ofNullable(sessionTimeout), crashes, switchovers);
            return 0;
        }
    }

    @Command(name = "migration", mixinStandardHelpOptions = true, description = {
        "On a fresh local cluster (removed afterwards), rolling migrations: every member migrated one after another",
        "(local migrate: the kill signal, a forked volume, a new address; a leader hands over first), for several rounds,",
        "each under a writer inserting every 20 ms: prints per migration the write gap, the time until the migrated",
        "member streams again and the acknowledged writes lost, then medians and maxima.",
    })
    static final class Migration implements Callable<Integer> {
        @Option(names = "--rounds", defaultValue = "3", description = "Rounds, each migrating every member (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--nodes", defaultValue = "3", description = "Members (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Override
        public Integer call() throws Exception {
            var steps = new MigrationBenchmark(System.out).run(benchDirectory(), nodes, rounds);
            // A lost acknowledged write is a failure, not a figure.
            return steps.stream().allMatch(s -> s.lostWrites() == 0) ? 0 : 1;
        }
    }
}
