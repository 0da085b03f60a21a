package dev.pgmanager.platform.bench;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.NewClusterSettings;
import dev.pgmanager.sidecar.loop.ControlLoop;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Measures what an application sees during failovers: on a fresh local cluster, crash failovers (the leader's
 * machine killed) and planned switchovers, each under a writer inserting every 20 ms. For each it reports the write
 * gap (the longest time between two acknowledged writes) and the acknowledged writes lost, and after a crash how long
 * after the new primary's first acknowledged write every surviving replica streams its timeline; then the medians and
 * maxima, and each sidecar's resident memory at rest.
 */
public final class FailoverBenchmark {
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(20);
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);

    /**
     * One measured event.
     *
     * @param followMillis after a crash, from the new primary's first acknowledged write until every surviving replica
     *     streams its timeline; -1 when not measured
     * @param routerLagMillis after a crash, how much later than that write a second writer, connecting through a
     *     replica's primary router (5432), got its first write acknowledged (negative: sooner); {@link #NOT_MEASURED}
     *     when not measured
     */
    public record Round(String kind, int number, long gapMillis, int lostWrites, long followMillis, long routerLagMillis) {
        /** A router lag can be negative (the routed client got through first): this says there is none. */
        public static final long NOT_MEASURED = Long.MIN_VALUE;
    }

    /** One sidecar's memory at rest. */
    public record SidecarMemory(String machineId, ProcessMemory memory) {}

    /**
     * What one run measured.
     *
     * @param restartMillis for each sidecar restarted after a crash, from its process's start to its first observation of
     *     the cluster (as on a machine's every migration or restart)
     */
    public record Result(List<Round> rounds, List<SidecarMemory> memory, List<Long> restartMillis) {
        /** The median write gap of the rounds of {@code kind}, if there were any. */
        public Optional<Long> medianGapMillis(String kind) {
            return Figures.median(rounds.stream().filter(r -> r.kind().equals(kind)).map(Round::gapMillis).toList());
        }

        /** The median of how much later than a direct client one through a replica's router wrote after a crash. */
        public Optional<Long> medianRouterLagMillis() {
            return Figures.median(rounds.stream().filter(r -> r.routerLagMillis() != Round.NOT_MEASURED)
                    .map(Round::routerLagMillis).toList());
        }

        /** The median time the surviving replicas took to follow a crash's new primary, if measured. */
        public Optional<Long> medianFollowMillis() {
            return Figures.median(rounds.stream().filter(r -> r.followMillis() >= 0).map(Round::followMillis).toList());
        }
    }

    private final PrintStream out;

    public FailoverBenchmark(PrintStream out) {
        this.out = out;
    }

    public Result run(Path dir, int nodes, Optional<Duration> sessionTimeout, int crashes, int switchovers) throws Exception {
        return run(dir, nodes, sessionTimeout, crashes, switchovers, true);
    }

    /** @param backups whether the members archive WAL and take backups (as a production cluster does) */
    public Result run(Path dir, int nodes, Optional<Duration> sessionTimeout, int crashes, int switchovers, boolean backups)
            throws Exception {
        LocalCluster cluster = LocalCluster.at(dir);
        NewClusterSettings settings = NewClusterSettings.DEFAULTS.withSessionTimeout(sessionTimeout);
        cluster.up(nodes, backups ? settings : settings.withoutBackups(), SETTLE_LIMIT, out);
        out.println("backups " + (backups ? "on (WAL archived and a full backup taken at start, to the platform's S3 server)" : "off"));
        out.println("session timeout " + sessionTimeout.map(d -> d.toMillis() + " ms").orElse(StoreConfig.DEFAULT_SESSION_TIMEOUT.toMillis() + " ms (default)")
                + ", loop_wait 1000 ms, writer every " + WRITE_INTERVAL.toMillis() + " ms");
        List<Round> rounds = new ArrayList<>();
        try {
            LocalClusterFile file = cluster.file().orElseThrow();
            List<SidecarMemory> memory = measureMemory(cluster, file);
            for (int i = 1; i <= crashes; i++) rounds.add(crash(cluster, file, i));
            for (int i = 1; i <= switchovers; i++) rounds.add(switchover(cluster, file, i));
            awaitHealthy(cluster); // the last crashed member is back and observing
            Result result = new Result(rounds, memory, restartFigures(cluster, file));
            summarize(result, "crash");
            summarize(result, "switchover");
            Figures.median(result.restartMillis()).ifPresent(ms -> out.printf("restart    sidecar start to first observation: median %d ms, "
                    + "max %d ms (%d restarts)%n", ms, Collections.max(result.restartMillis()), result.restartMillis().size()));
            return result;
        } finally {
            cluster.down(true);
        }
    }

    private Round crash(LocalCluster cluster, LocalClusterFile file, int number) throws Exception {
        awaitHealthy(cluster);
        String leader = cluster.status().leader();
        // A second client connects through a replica's 5432, as an application on any machine does: once the new primary
        // leads, that router must send new connections to it as soon as a client that lists every host reaches it.
        String routed = file.members().stream().map(LocalMember::machineId).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        HostPort router = cluster.routerOf(routed).orElseThrow(() -> new IllegalStateException(routed + " runs no primary router"));
        try (SequenceWriter writer = writer(file, "bench_crash_" + number);
                SequenceWriter throughRouter = new SequenceWriter(SequenceWriter.primaryUrl(List.of(router.toString()), "postgres"),
                        "postgres", file.superuserPassword(), "bench_crash_router_" + number, WRITE_INTERVAL)) {
            awaitAcknowledged(writer, 50);
            awaitAcknowledged(throughRouter, 50);
            Instant at = Instant.now();
            cluster.kill(leader);
            // Every write acknowledged from here on is the new primary's: the old postmaster has exited, and a backend it
            // left behind ends when it next waits for its client, one write interval later at most
            Instant dead = Instant.now().plus(WRITE_INTERVAL.multipliedBy(5));
            await(() -> writer.lastAcknowledged().isAfter(dead) && throughRouter.lastAcknowledged().isAfter(dead)
                    && !leader.equals(cluster.status().leader()), "a new leader takes writes, directly and through the router");
            long routerLag = Duration.between(writer.firstAcknowledgedAfter(dead).orElseThrow(),
                    throughRouter.firstAcknowledgedAfter(dead).orElseThrow()).toMillis();
            String newLeader = cluster.status().leader();
            List<String> survivors = file.members().stream().map(LocalMember::machineId)
                    .filter(id -> !id.equals(leader) && !id.equals(newLeader)).toList();
            await(() -> allFollow(file, newLeader, survivors), "the surviving replicas stream the new primary's timeline");
            long follow = Duration.between(writer.endOfLongestGapSince(at.minusMillis(500)), Instant.now()).toMillis();
            awaitAcknowledged(writer, writer.acknowledgedCount() + 50);
            writer.close();
            Round round = measure("crash", number, writer, at, newLeader, file, follow, routerLag);
            cluster.start(leader);
            return round;
        }
    }

    private Round switchover(LocalCluster cluster, LocalClusterFile file, int number) throws Exception {
        awaitHealthy(cluster);
        String leader = cluster.status().leader();
        try (SequenceWriter writer = writer(file, "bench_switchover_" + number);
                ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(file.storeConnectString(), file.app())
                        .withSecret(file.storeSecret()))) {
            awaitAcknowledged(writer, 50);
            Instant at = Instant.now();
            var result = new OperatorRequests(store, Clock.systemUTC(), () -> {}).switchover(Optional.empty());
            if (!result.accepted()) throw new IllegalStateException("switchover refused: " + result.message());
            await(() -> writer.lastAcknowledged().isAfter(at) && !leader.equals(cluster.status().leader()), "a new leader takes writes");
            awaitAcknowledged(writer, writer.acknowledgedCount() + 50);
            writer.close();
            return measure("switchover", number, writer, at, cluster.status().leader(), file, -1, Round.NOT_MEASURED);
        }
    }

    private Round measure(String kind, int number, SequenceWriter writer, Instant at, String leader, LocalClusterFile file,
            long followMillis, long routerLagMillis) throws SQLException {
        long gap = writer.longestGapSince(at.minusMillis(500)).toMillis();
        int lost;
        try (Connection primary = connect(file, leader)) {
            lost = writer.lostWrites(primary).size();
        }
        Round round = new Round(kind, number, gap, lost, followMillis, routerLagMillis);
        out.printf("%-10s #%d  write gap %6d ms  acknowledged writes lost %d%s%s%n", kind, number, gap, lost,
                followMillis >= 0 ? "  replicas following " + followMillis + " ms after the first write on the new primary" : "",
                kind.equals("crash") ? "  through a replica's router " + afterOrBefore(routerLagMillis) + " it" : "");
        return round;
    }

    /** "12 ms after", or "5 ms before" for a negative lag. */
    static String afterOrBefore(long lagMillis) {
        return lagMillis >= 0 ? lagMillis + " ms after" : -lagMillis + " ms before";
    }

    /** Whether every member of {@code replicas} streams WAL of the timeline {@code leader} writes on. */
    private static boolean allFollow(LocalClusterFile file, String leader, List<String> replicas) {
        try (Connection primary = connect(file, leader); Statement s = primary.createStatement();
                ResultSet r = s.executeQuery("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
            r.next();
            int timeline = r.getInt(1);
            for (String id : replicas) {
                try (Connection replica = connect(file, id); Statement q = replica.createStatement();
                        ResultSet w = q.executeQuery("SELECT status, received_tli FROM pg_stat_wal_receiver")) {
                    if (!w.next() || !"streaming".equals(w.getString(1)) || w.getInt(2) != timeline) return false;
                }
            }
            return true;
        } catch (SQLException notYet) {
            return false;
        }
    }

    private void summarize(Result result, String kind) {
        List<Round> of = result.rounds().stream().filter(r -> r.kind().equals(kind)).toList();
        if (of.isEmpty()) return;
        out.printf("%-10s median write gap %d ms, max %d ms, acknowledged writes lost in total %d (%d rounds)%n", kind,
                result.medianGapMillis(kind).orElseThrow(), of.stream().mapToLong(Round::gapMillis).max().orElseThrow(),
                of.stream().mapToInt(Round::lostWrites).sum(), of.size());
        if (kind.equals("crash")) {
            result.medianFollowMillis().ifPresent(ms -> out.printf("crash      replicas following the new primary: median %d ms after "
                    + "its first acknowledged write, max %d ms%n", ms, of.stream().mapToLong(Round::followMillis).max().orElseThrow()));
            result.medianRouterLagMillis().ifPresent(ms -> out.printf("crash      a client through a replica's 5432 router: its first "
                    + "write median %s the direct client's, at most %s%n", afterOrBefore(ms),
                    afterOrBefore(of.stream().mapToLong(Round::routerLagMillis).max().orElseThrow())));
        }
    }

    private List<SidecarMemory> measureMemory(LocalCluster cluster, LocalClusterFile file) throws IOException, InterruptedException {
        Thread.sleep(5000); // at rest: past the start's class loading and first passes
        List<SidecarMemory> memory = new ArrayList<>();
        for (LocalMember m : file.members()) {
            Optional<Long> pid = cluster.sidecarPid(m.machineId());
            if (pid.isEmpty()) continue;
            SidecarMemory sidecar = new SidecarMemory(m.machineId(), ProcessMemory.of(pid.get()));
            out.printf("sidecar %s (pid %d) at rest: resident (RSS) %d MB, proportional (PSS) %d MB%n", m.machineId(), pid.get(),
                    sidecar.memory().residentMegabytes(), sidecar.memory().proportionalMegabytes());
            memory.add(sidecar);
        }
        return memory;
    }

    /**
     * From each sidecar's log, how long after its process started it first observed the cluster, for every start but
     * the first (the cluster's formation, with every member starting at once).
     */
    private static List<Long> restartFigures(LocalCluster cluster, LocalClusterFile file) throws IOException {
        Pattern figure = Pattern.compile(Pattern.quote(ControlLoop.FIRST_OBSERVATION) + " (\\d+) ms after the process started");
        List<Long> restarts = new ArrayList<>();
        for (LocalMember m : file.members()) {
            try (Stream<String> lines = Files.lines(cluster.sidecarLog(m.machineId()))) {
                lines.map(figure::matcher).filter(Matcher::find).skip(1).forEach(found -> restarts.add(Long.parseLong(found.group(1))));
            }
        }
        return restarts;
    }

    static SequenceWriter writer(LocalClusterFile file, String table) throws SQLException {
        List<String> hosts = file.members().stream().map(m -> new HostPort(m.address(), m.pgPort()).toString()).toList();
        return new SequenceWriter(SequenceWriter.primaryUrl(hosts, "postgres"), "postgres", file.superuserPassword(), table,
                WRITE_INTERVAL);
    }

    static Connection connect(LocalClusterFile file, String machineId) throws SQLException {
        LocalMember m = file.member(machineId).orElseThrow();
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", file.superuserPassword());
        // bounded, so that polling a member that is still moving never hangs a measurement
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "10");
        return DriverManager.getConnection(new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres"), p);
    }

    static void awaitHealthy(LocalCluster cluster) {
        await(() -> cluster.status().isHealthy(), "one primary and streaming replicas");
    }

    static void awaitAcknowledged(SequenceWriter writer, int count) {
        await(() -> writer.acknowledgedCount() >= count, count + " acknowledged writes (last error: " + writer.lastError() + ")");
    }

    static void await(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plus(SETTLE_LIMIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new IllegalStateException("timed out waiting for " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }
}
