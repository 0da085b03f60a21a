package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.DurationConverter;
import dev.pgmanager.platform.bench.BackupBenchmark;
import dev.pgmanager.platform.bench.FailoverBenchmark;
import dev.pgmanager.platform.bench.HeadlineFigures;
import dev.pgmanager.platform.bench.MemoryBenchmark;
import dev.pgmanager.platform.bench.MigrationBenchmark;
import dev.pgmanager.platform.bench.RouterBenchmark;
import dev.pgmanager.platform.bench.StressBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgmanager bench}: measurements that print their figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print their figures.",
        subcommands = {BenchCommand.All.class, BenchCommand.Failover.class, BenchCommand.Migration.class, BenchCommand.Backup.class,
            BenchCommand.Router.class, BenchCommand.Stress.class, BenchCommand.Memory.class, ChaosCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "all", mixinStandardHelpOptions = true, description = {
        "The headline figures, each on a fresh local cluster (removed afterwards): crash failover and switchover write",
        "gaps, the write gap of a migrated primary, the sidecars' memory at rest (PSS and RSS, in both store modes,",
        "beside an idle JVM's), the acknowledged writes lost, and the 5432 router's select-only throughput against",
        "stock HAProxy's (when haproxy is installed); printed with the run's date and machine. It asserts nothing: CI",
        "runs it with --quick at the end.",
    })
    static final class All implements Callable<Integer> {
        @Option(names = "--quick", description = "One round of each (about two minutes) instead of 5 crashes, 5 switchovers and 3 migration rounds, and 10 s of rest before the memory is read instead of 20.")
        boolean quick;

        @picocli.CommandLine.Mixin
        SessionTimeoutOption session;

        @Override
        public Integer call() throws Exception {
            var timeout = session.value();
            Path work = benchDirectory();
            try {
                new HeadlineFigures(System.out).run(work, quick, timeout);
            } finally {
                // Each benchmark removes its cluster's directory; a failed one may leave it here to look at.
                removeIfLeftEmpty(work);
            }
            return 0;
        }
    }

    /** The members' lease length, for the benchmarks that make a cluster. */
    static final class SessionTimeoutOption {
        @Option(names = "--session-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "The members' store.session_timeout, the lease's length (default: the sidecar's, "
                        + dev.pgmanager.config.StoreConfig.DEFAULT_SESSION_TIMEOUT_TEXT + ").")
        java.time.Duration sessionTimeout;

        /** The option, checked against the members' range: call it before making anything. */
        java.util.Optional<java.time.Duration> value() {
            return dev.pgmanager.platform.NewClusterSettings.DEFAULTS.withSessionTimeout(java.util.Optional.ofNullable(sessionTimeout))
                    .sessionTimeout();
        }
    }

    /** Whether the members of a benchmark's cluster archive WAL and take backups. */
    static final class BackupsOption {
        @Option(names = "--no-backups", description = "Members without backups (by default they archive WAL and take "
                + "backups, as a production cluster does).")
        boolean noBackups;

        boolean on() {
            return !noBackups;
        }
    }

    /** Removes a benchmark's directory once nothing is left in it (gone already is fine). */
    static void removeIfLeftEmpty(Path work) throws java.io.IOException {
        if (!Files.isDirectory(work)) return;
        try (var left = Files.list(work)) {
            if (left.findAny().isEmpty()) Files.delete(work);
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
        "lost, then the median and maximum, and each sidecar's memory at rest (RSS and PSS). After each crash also:",
        "how soon the surviving replicas stream from the new primary, how much later than that writer a second one",
        "through a replica's 5432 router got through, and how long the killed member's restarted sidecar took from",
        "its process's start to its first observation of the cluster.",
    })
    static final class Failover implements Callable<Integer> {
        @Option(names = "--crashes", defaultValue = "5", description = "Crash failovers (default: ${DEFAULT-VALUE}).")
        int crashes;

        @Option(names = "--switchovers", defaultValue = "5", description = "Switchovers (default: ${DEFAULT-VALUE}).")
        int switchovers;

        @Option(names = "--nodes", defaultValue = "3", description = "Members (default: ${DEFAULT-VALUE}).")
        int nodes;

        @picocli.CommandLine.Mixin
        SessionTimeoutOption session;

        @picocli.CommandLine.Mixin
        BackupsOption backups;

        @Override
        public Integer call() throws Exception {
            var timeout = session.value();
            new FailoverBenchmark(System.out).run(benchDirectory(), nodes, timeout, crashes,
                    switchovers, backups.on());
            return 0;
        }
    }

    @Command(name = "memory", mixinStandardHelpOptions = true, description = {
        "The sidecars' memory at rest beside its floor: a JVM with the sidecars' own options that runs nothing, then a",
        "fresh local cluster in store mode external (the sidecars clients of the platform's ZooKeeper) and one in store",
        "mode ensemble (the first three sidecars also ZooKeeper peers), each removed afterwards. Prints for each JVM its",
        "resident memory (RSS), its proportional share of shared pages (PSS: on this machine the JVMs share the JDK's",
        "files and the AOT cache; alone on its machine, as on Fly, a sidecar's PSS is about its RSS), its private",
        "memory, threads and loaded classes, then the classes by library (with the JDK's jcmd).",
    })
    static final class Memory implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "3", description = "Members of each cluster, at least 3 (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--rest", converter = DurationConverter.class, defaultValue = "20s", paramLabel = "DURATION",
                description = "How long each JVM runs before it is measured (default: ${DEFAULT-VALUE}).")
        java.time.Duration rest;

        @picocli.CommandLine.Mixin
        SessionTimeoutOption session;

        @picocli.CommandLine.Mixin
        BackupsOption backups;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (nodes < 3 || nodes > 9) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--nodes must be between 3 (an ensemble's peers) and 9, was " + nodes);
            }
            if (rest.isNegative() || rest.compareTo(java.time.Duration.ofMinutes(10)) > 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rest must be between 0s and 10m");
            }
            var timeout = session.value();
            Path work = benchDirectory();
            try {
                new MemoryBenchmark(System.out).run(work, nodes, rest, timeout, backups.on());
            } finally {
                removeIfLeftEmpty(work);
            }
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

        @picocli.CommandLine.Mixin
        SessionTimeoutOption session;

        @Override
        public Integer call() throws Exception {
            var timeout = session.value();
            var steps = new MigrationBenchmark(System.out).run(benchDirectory(), nodes, rounds, timeout);
            // A lost acknowledged write is a failure, not a figure.
            return steps.stream().allMatch(s -> s.lostWrites() == 0) ? 0 : 1;
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true, description = {
        "On a fresh local cluster with backups (removed afterwards), on one database grown with pgbench -i: the throughput",
        "of a full pgBackRest backup to the platform's S3 server (through the leader's API, end to end) against",
        "pg_basebackup to local disk; the repository's size and compression; the time to restore the latest backup into a",
        "new cluster until its member leads (its rows must equal the source's: exit 1 otherwise); and, under a writer",
        "inserting every 50 ms, the age of the newest archived WAL sampled every second (the RPO), its median and maximum,",
        "beside what a lost volume would lose at worst. Not part of bench all: the full size takes several minutes.",
    })
    static final class Backup implements Callable<Integer> {
        @Option(names = "--scale", description = "pgbench's scale factor, about 15 MB each (default: 70, about 1 GB; 10 with --quick).")
        Integer scale;

        @Option(names = "--rpo-seconds", description = "How long the writer writes while the archive is sampled (default: 120; 30 "
                + "with --quick).")
        Integer rpoSeconds;

        @Option(names = "--nodes", defaultValue = "1", description = "Members (default: ${DEFAULT-VALUE}: the backups read the "
                + "leader only, and replicas would only slow the database's growth on a small machine).")
        int nodes;

        @Option(names = "--quick", description = "A small run, in a few minutes: scale 10 and a 30 s writer, unless given.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            int s = scale != null ? scale : quick ? 10 : 70;
            int rpo = rpoSeconds != null ? rpoSeconds : quick ? 30 : 120;
            if (s < 1) throw new IllegalArgumentException("--scale must be at least 1, was " + s);
            if (rpo < 1) throw new IllegalArgumentException("--rpo-seconds must be at least 1, was " + rpo);
            new BackupBenchmark(System.out).run(benchDirectory(), nodes, s, java.time.Duration.ofSeconds(rpo), quick);
            return 0;
        }
    }

    @Command(name = "router", mixinStandardHelpOptions = true, description = {
        "On a fresh local cluster (removed afterwards), select-only pgbench in alternating rounds: straight to the primary,",
        "through a replica's primary router (what Fly's 5432 service reaches) and through a stock HAProxy that finds the",
        "primary by the members' GET /primary check (as postgres-flex runs it; needs haproxy on the PATH). Prints each",
        "round's transactions per second, the medians, and the router's ratio to HAProxy. Exit 1 when a sidecar suspended",
        "or lost its lease under the load (a read-only load must fail nothing over).",
    })
    static final class Router implements Callable<Integer> {
        @Option(names = "--clients", defaultValue = "8", description = "pgbench's clients (default: ${DEFAULT-VALUE}).")
        int clients;

        @Option(names = "--seconds", defaultValue = "10", description = "Length of each round (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds of each entry point (default: ${DEFAULT-VALUE}).")
        int rounds;

        @picocli.CommandLine.Mixin
        SessionTimeoutOption session;

        @Override
        public Integer call() throws Exception {
            if (clients < 1 || seconds < 1 || rounds < 1) {
                throw new IllegalArgumentException("--clients, --seconds and --rounds must be at least 1");
            }
            var timeout = session.value();
            Path work = benchDirectory();
            try {
                var result = new RouterBenchmark(System.out).run(work, clients, seconds, rounds, timeout);
                // a failover under a read-only load is a failure, not a figure
                if (!result.suspensions().isEmpty()) return 1;
            } finally {
                // the cluster's removal takes the directory with it; a failed run may leave it to look at
                removeIfLeftEmpty(work);
            }
            return 0;
        }
    }

    @Command(name = "stress", mixinStandardHelpOptions = true, description = {
        "No false failover on a loaded machine: a fresh, idle local cluster (removed afterwards; kept with its logs when",
        "the run fails) beside stress-ng keeping every core busy with CPU and I/O work for the given time (needs stress-ng:",
        "apt-get install stress-ng). The leader and its epoch are read every second. Exit 0 when the leader never changed",
        "and no sidecar suspended its lease; 1 otherwise.",
    })
    static final class Stress implements Callable<Integer> {
        @Option(names = "--minutes", defaultValue = "10", description = "How long the load runs (default: ${DEFAULT-VALUE}).")
        int minutes;

        @Option(names = "--nodes", defaultValue = "3", description = "Members (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--workers", description = "stress-ng's CPU workers and as many I/O workers (default: one each per core).")
        Integer workers;

        @picocli.CommandLine.Mixin
        SessionTimeoutOption session;

        @Override
        public Integer call() throws Exception {
            if (minutes < 1 || nodes < 1) throw new IllegalArgumentException("--minutes and --nodes must be at least 1");
            int n = workers != null ? workers : Runtime.getRuntime().availableProcessors();
            var timeout = session.value();
            var result = new StressBenchmark(System.out).run(benchDirectory(), nodes, java.time.Duration.ofMinutes(minutes), n,
                    timeout);
            return result.passed() ? 0 : 1;
        }
    }
}
