package dev.pgmanager.platform.bench;

import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.NewClusterSettings;
import dev.pgmanager.platform.bench.RollingMigration.Step;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * Measures rolling migrations: on a fresh local cluster, every member migrated one after another (the leader hands
 * over first), for several rounds, each migration under a writer inserting every 20 ms. Prints per migration the
 * write gap, the time until the migrated member streams again and the acknowledged writes lost; then medians and
 * maxima.
 */
public final class MigrationBenchmark {
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);

    private final PrintStream out;

    public MigrationBenchmark(PrintStream out) {
        this.out = out;
    }

    /** @param sessionTimeout the members' {@code store.session_timeout}; empty for the default */
    public List<Step> run(Path dir, int nodes, int rounds, Optional<Duration> sessionTimeout) throws Exception {
        LocalCluster cluster = LocalCluster.at(dir);
        cluster.up(nodes, NewClusterSettings.DEFAULTS.withSessionTimeout(sessionTimeout), SETTLE_LIMIT, out);
        out.println("rolling migration of " + nodes + " members, " + rounds + " rounds; session timeout "
                + sessionTimeout.orElse(StoreConfig.DEFAULT_SESSION_TIMEOUT).toMillis() + " ms, loop_wait "
                + "1000 ms, a writer every 20 ms (one per migration, over the addresses of just before it)");
        List<Step> all = new ArrayList<>();
        // The cluster's own progress lines would bury the figures.
        RollingMigration rolling = new RollingMigration(cluster, new PrintStream(OutputStream.nullOutputStream()));
        try {
            for (int round = 1; round <= rounds; round++) {
                for (Step step : rolling.run(round)) {
                    all.add(step);
                    out.printf("round %d  %s %-7s  write gap %6d ms  streaming again after %6d ms  acknowledged writes lost %d%n",
                            round, step.machineId(), step.wasLeader() ? "leader" : "replica", step.gapMillis(),
                            step.streamingAfterMillis(), step.lostWrites());
                }
            }
            summarize(all, "leader", true);
            summarize(all, "replica", false);
        } finally {
            cluster.down(true);
        }
        return all;
    }

    private void summarize(List<Step> steps, String kind, boolean leaders) {
        List<Step> of = steps.stream().filter(s -> s.wasLeader() == leaders).toList();
        if (of.isEmpty()) return;
        out.printf("%-7s migrations (%d): write gap median %d ms, max %d ms; streaming again median %d ms, max %d ms; "
                        + "acknowledged writes lost in total %d%n", kind, of.size(),
                median(of, Step::gapMillis), max(of, Step::gapMillis), median(of, Step::streamingAfterMillis),
                max(of, Step::streamingAfterMillis), of.stream().mapToInt(Step::lostWrites).sum());
    }

    private static long median(List<Step> steps, ToLongFunction<Step> figure) {
        return Figures.median(steps.stream().map(figure::applyAsLong).toList()).orElse(0L);
    }

    private static long max(List<Step> steps, ToLongFunction<Step> figure) {
        return steps.stream().mapToLong(figure).max().orElse(0);
    }
}
