package dev.pgmanager.platform.bench;

import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.LocalStatus;
import dev.pgmanager.platform.NewClusterSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * No false failover on a loaded machine: an idle local cluster (a production one's defaults: lease 1.6 s, backups on) runs
 * for a while beside stress-ng keeping every core busy with CPU and I/O work (CPU hogs, sync(2) callers and a disk
 * writer); the leader and its epoch are read every second. A leader change, or a lease suspended (a primary that fenced
 * itself and took it back), is a failure: nothing failed but the machine's load.
 */
public final class StressBenchmark {
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);

    /**
     * What one run saw.
     *
     * @param leaderChanges the times the leader or its epoch changed
     * @param suspensions   the sidecars' log lines of a lease suspended or lost
     */
    public record Result(Duration held, int leaderChanges, List<String> suspensions) {
        public boolean passed() {
            return leaderChanges == 0 && suspensions.isEmpty();
        }
    }

    private final PrintStream out;

    public StressBenchmark(PrintStream out) {
        this.out = out;
    }

    /** @param sessionTimeout the members' {@code store.session_timeout}; empty for the default */
    public Result run(Path dir, int nodes, Duration length, int workers, Optional<Duration> sessionTimeout) throws Exception {
        requireStressNg();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        LocalCluster cluster = LocalCluster.at(dir);
        Process stress = null;
        boolean failed = true;
        try {
            cluster.up(nodes, NewClusterSettings.DEFAULTS.withSessionTimeout(sessionTimeout), SETTLE_LIMIT, out);
            FailoverBenchmark.awaitHealthy(cluster);
            LocalStatus before = cluster.status();
            Path scratch = Files.createDirectories(dir.resolve("stress-ng"));
            List<String> command = List.of("stress-ng", "--cpu", Integer.toString(workers), "--io", Integer.toString(workers),
                    "--hdd", "1", "--temp-path", scratch.toString(), "--timeout", length.toSeconds() + "s");
            out.printf("stress: %s for %d s beside an idle %d-member cluster (leader %s, epoch %d)%n", String.join(" ", command),
                    length.toSeconds(), nodes, before.leader(), before.epoch());
            stress = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("stress-ng.log").toFile()).start();
            int changes = 0;
            String leader = before.leader();
            Long epoch = before.epoch();
            Instant end = Instant.now().plus(length);
            while (Instant.now().isBefore(end) && stress.isAlive()) {
                Thread.sleep(1000);
                LocalStatus now = cluster.status();
                if (!Objects.equals(leader, now.leader()) || !Objects.equals(epoch, now.epoch())) {
                    changes++;
                    out.printf("%s  leader %s epoch %s -> leader %s epoch %s%n", Instant.now().truncatedTo(ChronoUnit.SECONDS), leader,
                            epoch, now.leader(), now.epoch());
                    leader = now.leader();
                    epoch = now.epoch();
                }
            }
            Duration held = Duration.between(started, Instant.now());
            if (Instant.now().isBefore(end)) {
                throw new IllegalStateException("stress-ng ended early (exit " + stress.exitValue() + "; see " + dir.resolve("stress-ng.log")
                        + "): the cluster was not under load for the whole time");
            }
            Result result = new Result(held, changes, LeaseEvents.suspensions(cluster));
            result.suspensions().forEach(line -> out.println("  " + line));
            out.printf("%npgmanager stress figures, %s on %s: %d s of stress-ng (%d CPU, %d I/O workers, 1 disk writer) "
                            + "beside an idle %d-member cluster%n", started, Figures.machine(), length.toSeconds(), workers, workers, nodes);
            out.printf("  %-40s %d (goal 0)%n", "leader changes", result.leaderChanges());
            out.printf("  %-40s %d (goal 0)%n", "leases suspended or lost", result.suspensions().size());
            failed = !result.passed();
            return result;
        } finally {
            if (stress != null) {
                stress.destroy();
                if (!stress.waitFor(10, TimeUnit.SECONDS)) stress.destroyForcibly();
            }
            // a failed run stops the cluster and leaves its logs to read
            cluster.down(!failed);
            if (failed) out.println("the cluster's logs are kept in " + dir);
        }
    }

    /** Before any cluster is made: without stress-ng there is nothing to measure. */
    private static void requireStressNg() throws InterruptedException {
        try {
            Process version = new ProcessBuilder("stress-ng", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (version.waitFor() == 0) return;
        } catch (IOException notFound) {
            // reported below
        }
        throw new IllegalStateException("stress-ng is not installed (Debian: apt-get install stress-ng); it makes the load");
    }
}
