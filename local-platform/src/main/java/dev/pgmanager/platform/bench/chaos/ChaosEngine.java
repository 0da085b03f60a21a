package dev.pgmanager.platform.bench.chaos;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.LocalHaSettings;
import dev.pgmanager.platform.LocalStatus;
import dev.pgmanager.platform.NewClusterSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fault-injection suite: on a fresh local cluster (removed afterwards), under concurrent writers, one fault per
 * round; after each, the heal, convergence within a bound derived from the configuration, and the safety checks of
 * {@link HistoryChecker} over every write so far. Writers: some through a multi-host URL that follows the primary (as
 * applications do), and one probe per member writing to that member directly, so that any member that accepts a write
 * when it must not is caught in the act.
 */
public final class ChaosEngine {
    /** The sidecars' default {@code ha.loop_wait} (local clusters keep it). */
    static final Duration LOOP_WAIT = Duration.ofSeconds(1);
    static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration WRITE_INTERVAL = Duration.ofMillis(20);
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    /**
     * @param nodes members of the cluster
     * @param writers writers that follow the primary (besides one probe per member)
     * @param sessionTimeout the members' {@code store.session_timeout}, the lease's length
     * @param synchronousMode how the cluster replicates; synchronous replication makes a lost acknowledged write a failure
     */
    public record Settings(int nodes, int writers, Duration sessionTimeout, SynchronousMode synchronousMode) {
        boolean synchronous() {
            return synchronousMode != SynchronousMode.OFF;
        }
    }

    private final Settings settings;
    private final PrintStream out;

    public ChaosEngine(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * How long a cluster may take from the heal to one primary and N-1 streaming replicas: a lease to expire twice (the
     * fault may have cost one, a rejoining old leader's session another), ten passes of the loop, and a minute for a
     * pg_rewind or a re-clone and a restart on a busy machine.
     */
    public static Duration convergenceBound(Duration sessionTimeout, Duration loopWait) {
        return sessionTimeout.multipliedBy(2).plus(loopWait.multipliedBy(10)).plusSeconds(60);
    }

    public ChaosReport run(Path dir, List<FaultRound> plan) throws Exception {
        Duration bound = convergenceBound(settings.sessionTimeout(), LOOP_WAIT);
        LocalCluster cluster = LocalCluster.at(dir);
        List<RoundResult> results = new ArrayList<>();
        List<ChaosWriter> writers = new ArrayList<>();
        Cleanup cleanup = new Cleanup(cluster, writers);
        Thread hook = Thread.ofPlatform().unstarted(cleanup::run);
        Runtime.getRuntime().addShutdownHook(hook);
        String aborted = null;
        try {
            LocalHaSettings ha = new LocalHaSettings(settings.synchronousMode(), 1, false, false, 0);
            cluster.up(settings.nodes(), NewClusterSettings.DEFAULTS.withSessionTimeout(Optional.of(settings.sessionTimeout())).withHa(ha),
                    UP_TIMEOUT, out);
            LocalClusterFile file = cluster.file().orElseThrow();
            FaultInjector faults = new FaultInjector(cluster, out);
            cleanup.faults = faults;
            if (plan.stream().anyMatch(r -> r.fault() == Fault.CUT_FROM_PEERS) && !faults.canCutFromPeers()) {
                throw new IllegalStateException("cut-from-peers needs root and a cgroup2 mount (members in cgroups of their own)");
            }
            try (Connection c = connect(cluster, cluster.status().leader()); Statement s = c.createStatement()) {
                s.execute(ChaosWriter.CREATE);
            }
            for (int i = 1; i <= settings.writers(); i++) {
                writers.add(new ChaosWriter("app" + i, false, () -> primaryUrl(cluster), file.superuserPassword(), WRITE_INTERVAL));
            }
            for (LocalMember m : file.members()) {
                writers.add(new ChaosWriter("probe-" + m.machineId(), true, () -> memberUrl(cluster, m.machineId()),
                        file.superuserPassword(), WRITE_INTERVAL));
            }
            out.printf("%d members, lease (store.session_timeout) %d ms, loop_wait %d ms, %d writers following the primary and "
                    + "%d member probes every %d ms, %s replication; convergence bound %d ms%n", settings.nodes(),
                    settings.sessionTimeout().toMillis(), LOOP_WAIT.toMillis(), settings.writers(), file.members().size(),
                    WRITE_INTERVAL.toMillis(), settings.synchronous() ? "synchronous" : "asynchronous", bound.toMillis());
            History history = new History();
            for (FaultRound round : plan) {
                RoundResult result = play(round, cluster, faults, writers, history, bound);
                results.add(result);
                if (!result.converged()) {
                    aborted = "round " + round.number() + " (" + round.fault().label() + ") did not converge within " + bound.toMillis()
                            + " ms: " + cluster.status().summary() + "; logs under " + dir.resolve("members");
                    break;
                }
            }
        } catch (Exception e) {
            aborted = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        ChaosReport report = new ChaosReport(results, bound, settings.synchronous(), aborted);
        try {
            // Interrupted (Ctrl-C, SIGTERM): the hook cleans up, and there is no failure to read logs about.
            if (!report.safe() && !cleanup.done()) keepLogs(dir);
        } finally {
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing left to remove
            }
        }
        return report;
    }

    /** The members' and the platform's logs outlive a failed run, next to its directory. */
    private void keepLogs(Path dir) {
        Path kept = dir.resolveSibling(dir.getFileName() + "-logs");
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                Path target = kept.resolve(dir.relativize(log));
                java.nio.file.Files.createDirectories(target.getParent());
                java.nio.file.Files.copy(log, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            out.println("logs kept in " + kept);
        } catch (IOException e) {
            out.println("could not keep the logs: " + e.getMessage());
        }
    }

    /** Lost writes and incidents seen so far, so that each round reports only what is new. */
    private static final class History {
        final Set<String> lost = new HashSet<>();
        final Set<String> incidents = new HashSet<>();
    }

    private RoundResult play(FaultRound round, LocalCluster cluster, FaultInjector faults, List<ChaosWriter> writers, History history,
            Duration bound) throws Exception {
        if (!awaitConverged(cluster, writers, System.nanoTime(), bound)) {
            throw new IllegalStateException("the cluster is not converged before round " + round.number() + ": " + cluster.status().summary());
        }
        LocalStatus before = cluster.status();
        String member = target(round, before);
        long start = System.nanoTime();
        faults.inject(round.fault(), member);
        if (round.fault() == Fault.CUT_FROM_PEERS) {
            holdWhileProvingTheCut(cluster, round, member, before);
        } else {
            Thread.sleep(round.hold().toMillis());
        }
        faults.heal();
        long healed = System.nanoTime();
        long recovery = awaitConverged(cluster, writers, healed, bound) ? (System.nanoTime() - healed) / 1_000_000 : -1;
        List<Write> acknowledged = writers.stream().flatMap(w -> w.acknowledged().stream()).toList();
        long inRound = acknowledged.stream().filter(w -> w.ackedNanos() >= start).count();
        List<Write> lost = new ArrayList<>();
        List<String> incidents = new ArrayList<>();
        if (recovery >= 0) {
            HistoryChecker.Verdict verdict = check(cluster, acknowledged, incidents);
            for (Write w : verdict.lost()) if (history.lost.add(w.key())) lost.add(w);
            incidents.addAll(verdict.incidents());
            incidents.removeIf(i -> !history.incidents.add(i));
        }
        String who = round.fault() == Fault.CRASH_STORE ? "the store" : round.target() + " " + member;
        String leaders = before.leader() + (recovery >= 0 ? " -> " + cluster.status().leader() : "");
        out.printf("round %2d  %-24s %-24s hold %5d ms  leader %s  recovered in %s  acknowledged %6d  lost %d  split-brain %d%n",
                round.number(), round.fault().label(), who, round.hold().toMillis(), leaders,
                recovery >= 0 ? recovery + " ms" : "NOT within " + bound.toMillis() + " ms", inRound, lost.size(), incidents.size());
        incidents.forEach(i -> out.println("  SPLIT BRAIN: " + i));
        return new RoundResult(round, round.fault() == Fault.CRASH_STORE ? "" : member, inRound, lost, incidents, recovery);
    }

    /**
     * Holds a cut from the peers and proves it took: the replicas on the far side of it (all of them when the primary is
     * cut off, else the one cut off) receive no WAL while the primary keeps writing. A partition that leaks proves
     * nothing, so it ends the run.
     */
    private static void holdWhileProvingTheCut(LocalCluster cluster, FaultRound round, String member, LocalStatus before)
            throws SQLException, InterruptedException {
        long settle = Math.min(1000, round.hold().toMillis() / 2);
        Thread.sleep(settle);
        List<String> farSide = member.equals(before.leader())
                ? before.members().stream().map(LocalStatus.MemberStatus::machineId).filter(id -> !id.equals(member)).toList()
                : List.of(member);
        List<String> received = new ArrayList<>();
        for (String id : farSide) received.add(receivedLsn(cluster, id));
        Thread.sleep(round.hold().toMillis() - settle);
        for (int i = 0; i < farSide.size(); i++) {
            String now = receivedLsn(cluster, farSide.get(i));
            if (!now.equals(received.get(i))) {
                throw new IllegalStateException("the cut from the peers leaked: " + farSide.get(i) + " received WAL from " + received.get(i)
                        + " to " + now + " while cut off from the primary " + before.leader());
            }
        }
    }

    private static String receivedLsn(LocalCluster cluster, String machineId) throws SQLException, InterruptedException {
        try (Connection c = connect(cluster, machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT coalesce(pg_last_wal_receive_lsn()::text, 'none')")) {
            r.next();
            return r.getString(1);
        }
    }

    private static String target(FaultRound round, LocalStatus status) {
        if (round.hitsPrimary()) return Optional.ofNullable(status.leader()).orElseThrow(() -> new IllegalStateException("no leader"));
        List<String> replicas = status.members().stream().map(LocalStatus.MemberStatus::machineId)
                .filter(id -> !id.equals(status.leader())).toList();
        return replicas.get(round.replicaPick() % replicas.size());
    }

    /**
     * Converged: one primary holding the lease, every other member streaming from it, and a writer that follows the
     * primary acknowledged by it after {@code since}.
     */
    private static boolean awaitConverged(LocalCluster cluster, List<ChaosWriter> writers, long since, Duration bound)
            throws InterruptedException {
        long deadline = since + bound.toNanos();
        while (System.nanoTime() < deadline) {
            LocalStatus status = cluster.status();
            if (status.isHealthy() && writers.stream().filter(w -> w.name().startsWith("app"))
                    .anyMatch(w -> w.lastAcknowledgedNanos() > since && w.lastAcknowledgedBy().equals(status.leader()))) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /**
     * The safety checks after a round: the new primary's rows against every acknowledged write (see
     * {@link HistoryChecker}); and every replica, once it replayed what the primary had, holds the same acknowledged
     * writes and nothing the primary does not (a replica that kept writes of its own has diverged).
     */
    private static HistoryChecker.Verdict check(LocalCluster cluster, List<Write> acknowledged, List<String> incidents)
            throws SQLException, InterruptedException {
        LocalStatus status = cluster.status();
        String primary = status.leader();
        long primaryLsn;
        try (Connection c = connect(cluster, primary); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'")) {
            r.next();
            primaryLsn = r.getLong(1);
        }
        List<String> replicas = status.members().stream().map(LocalStatus.MemberStatus::machineId).filter(id -> !id.equals(primary)).toList();
        List<Set<String>> replicaRows = new ArrayList<>();
        for (String replica : replicas) replicaRows.add(keys(rowsOf(cluster, replica, primaryLsn)));
        List<Write> survivors = rowsOf(cluster, primary, primaryLsn);
        Set<String> onPrimary = keys(survivors);
        Set<String> acknowledgedOnPrimary = acknowledged.stream().map(Write::key).filter(onPrimary::contains).collect(Collectors.toSet());
        for (int i = 0; i < replicas.size(); i++) {
            Set<String> extra = new HashSet<>(replicaRows.get(i));
            extra.removeAll(onPrimary);
            Set<String> missing = new HashSet<>(acknowledgedOnPrimary);
            missing.removeAll(replicaRows.get(i));
            if (!extra.isEmpty()) incidents.add("replica " + replicas.get(i) + " holds " + extra.size() + " writes the primary " + primary + " does not");
            if (!missing.isEmpty()) incidents.add("replica " + replicas.get(i) + " lacks " + missing.size() + " acknowledged writes the primary " + primary + " has");
        }
        return HistoryChecker.check(acknowledged, survivors);
    }

    /** The member's rows, once it has replayed up to {@code lsn} (a primary has). */
    private static List<Write> rowsOf(LocalCluster cluster, String machineId, long lsn) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        try (Connection c = connect(cluster, machineId); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet r = s.executeQuery("SELECT coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn()) - '0/0' >= " + lsn
                        + " OR NOT pg_is_in_recovery()")) {
                    r.next();
                    if (r.getBoolean(1)) break;
                }
                if (System.nanoTime() > deadline) throw new SQLException(machineId + " did not replay up to the primary within " + CATCH_UP.toSeconds() + " s");
                Thread.sleep(100);
            }
            List<Write> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT writer, seq, member, epoch, lsn FROM " + ChaosWriter.TABLE)) {
                while (r.next()) rows.add(Write.stored(r.getString(1), r.getLong(2), r.getString(3), r.getLong(4), r.getLong(5)));
            }
            return rows;
        }
    }

    private static Set<String> keys(List<Write> writes) {
        return writes.stream().map(Write::key).collect(Collectors.toSet());
    }

    /**
     * A connection to the member, waiting (at most {@link #CATCH_UP}) while its server starts up or recovers: the writers
     * can find the cluster converged a moment before a member restarted after the fault accepts the checker's connection.
     */
    private static Connection connect(LocalCluster cluster, String machineId) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (true) {
            try {
                return connectOnce(cluster, machineId);
            } catch (SQLException e) {
                boolean starting = "57P03".equals(e.getSQLState()) || (e.getSQLState() != null && e.getSQLState().startsWith("08"));
                if (!starting || System.nanoTime() > deadline) throw e;
                Thread.sleep(100);
            }
        }
    }

    private static Connection connectOnce(LocalCluster cluster, String machineId) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", cluster.file().orElseThrow().superuserPassword());
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(memberUrl(cluster, machineId), p);
    }

    private static String memberUrl(LocalCluster cluster, String machineId) {
        LocalMember m = cluster.file().orElseThrow().member(machineId).orElseThrow();
        return new HostPort(m.address(), m.pgPort()).jdbcUrl("postgres");
    }

    private static String primaryUrl(LocalCluster cluster) {
        String hosts = cluster.file().orElseThrow().members().stream().map(m -> new HostPort(m.address(), m.pgPort()).toString())
                .collect(Collectors.joining(","));
        return "jdbc:postgresql://" + hosts + "/postgres?targetServerType=primary";
    }

    /** Stops the writers, heals every fault and removes the cluster; once, from the end of the run or from Ctrl-C. */
    private static final class Cleanup {
        private final LocalCluster cluster;
        private final List<ChaosWriter> writers;
        volatile FaultInjector faults;
        private boolean done;

        Cleanup(LocalCluster cluster, List<ChaosWriter> writers) {
            this.cluster = cluster;
            this.writers = writers;
        }

        synchronized boolean done() {
            return done;
        }

        synchronized void run() {
            if (done) return;
            done = true;
            for (ChaosWriter w : List.copyOf(writers)) {
                try {
                    w.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (faults != null) faults.close();
            try {
                cluster.down(true);
            } catch (IOException | RuntimeException e) {
                System.err.println("could not remove the chaos cluster in " + cluster.dir() + ": " + e.getMessage());
            }
        }
    }
}
