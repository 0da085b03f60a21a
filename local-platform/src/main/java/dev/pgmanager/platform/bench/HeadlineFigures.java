package dev.pgmanager.platform.bench;

import dev.pgmanager.platform.bench.RollingMigration.Step;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The headline figures in one run, each on a fresh local cluster: crash failover and switchover write gaps, the write
 * gap of a migrated primary, the sidecars' memory at rest (in both store modes, beside an idle JVM's), and the 5432 router's select-only throughput against stock
 * HAProxy's (when haproxy is installed). Prints them with the run's date and machine, for the
 * README and for CI's log; it asserts nothing (absolute times on a shared machine are noisy).
 */
public final class HeadlineFigures {
    private final PrintStream out;

    public HeadlineFigures(PrintStream out) {
        this.out = out;
    }

    /**
     * Runs the benchmarks, {@code quick}ly (one round each) or fully, in directories under {@code work}, with the members'
     * {@code store.session_timeout} (empty: the default).
     */
    public void run(Path work, boolean quick, Optional<Duration> sessionTimeout) throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        int rounds = quick ? 1 : 5;
        // The benchmarks' own lines go to the log; the summary below is what this run is for.
        PrintStream detail = quick ? new PrintStream(OutputStream.nullOutputStream()) : out;
        FailoverBenchmark.Result failover = new FailoverBenchmark(detail)
                .run(Files.createDirectory(work.resolve("failover")), 3, sessionTimeout, rounds, rounds);
        List<Step> migrations = new MigrationBenchmark(detail).run(Files.createDirectory(work.resolve("migration")), 3, quick ? 1 : 3,
                sessionTimeout);
        Optional<Long> primaryMigrationGap = Figures.median(migrations.stream().filter(Step::wasLeader).map(Step::gapMillis).toList());
        Optional<RouterBenchmark.Result> router = RouterBenchmark.haproxyInstalled()
                ? Optional.of(new RouterBenchmark(detail).run(Files.createDirectory(work.resolve("router")), 8, quick ? 5 : 10, quick ? 1 : 3,
                        sessionTimeout))
                : Optional.empty();
        MemoryBenchmark.Result memory = new MemoryBenchmark(detail).run(work, 3,
                Duration.ofSeconds(quick ? 10 : 20), sessionTimeout, true);
        long lost = failover.rounds().stream().mapToInt(FailoverBenchmark.Round::lostWrites).sum()
                + migrations.stream().mapToInt(Step::lostWrites).sum();

        out.printf("pgmanager headline figures, %s on %s, %s run in %d s%n", started, Figures.machine(), quick ? "a quick" : "a full",
                Duration.between(started, Instant.now()).toSeconds());
        line("crash failover, write gap (median)", failover.medianGapMillis("crash").map(ms -> ms + " ms"));
        line("replicas following a new primary (median)", failover.medianFollowMillis().map(ms -> ms + " ms after its first write"));
        line("a client through a replica's router", failover.medianRouterLagMillis()
                .map(ms -> FailoverBenchmark.afterOrBefore(ms) + " a direct one (crash, median)"));
        line("switchover, write gap (median)", failover.medianGapMillis("switchover").map(ms -> ms + " ms"));
        line("primary migration, write gap (median)", primaryMigrationGap.map(ms -> ms + " ms"));
        line("sidecar start to first observation", Figures.median(failover.restartMillis())
                .map(ms -> ms + " ms (median of " + failover.restartMillis().size() + " restarts)"));
        line("sidecar memory at rest, PSS", megabytes(memory.external(), ProcessMemory::proportionalMegabytes));
        line("sidecar memory at rest, RSS", megabytes(memory.external(), ProcessMemory::residentMegabytes));
        line("the same with a ZooKeeper peer, PSS", megabytes(memory.ensemble(), ProcessMemory::proportionalMegabytes));
        line("the same with a ZooKeeper peer, RSS", megabytes(memory.ensemble(), ProcessMemory::residentMegabytes));
        line("an idle JVM with their options, RSS", Optional.of(memory.floor().memory().residentMegabytes() + " MB (PSS "
                + memory.floor().memory().proportionalMegabytes() + " MB): the floor"));
        line("acknowledged writes lost", Optional.of(Long.toString(lost)));
        line("5432 router / stock HAProxy, tps", router.map(r -> String.format("%.2f (%.0f / %.0f select-only tps, direct %.0f)",
                r.routerToHaproxy(), r.router(), r.haproxy(), r.direct())));
        line("leases suspended or lost under pgbench", router.map(r -> r.suspensions().size() + " (goal 0)"));
    }

    private void line(String what, Optional<String> figure) {
        out.printf("  %-40s %s%n", what, figure.orElse("(not measured)"));
    }

    private static Optional<String> megabytes(List<MemoryBenchmark.Sidecar> sidecars, ToLongFunction<ProcessMemory> figure) {
        if (sidecars.isEmpty()) return Optional.empty();
        return Optional.of(String.join(" / ", sidecars.stream().map(s -> figure.applyAsLong(s.memory()) + " MB").toList()));
    }
}
