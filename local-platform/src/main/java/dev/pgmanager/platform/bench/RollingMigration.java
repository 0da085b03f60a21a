package dev.pgmanager.platform.bench;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.platform.LocalCluster;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Migrates every member of a local cluster, one after another, each once the cluster is healthy again, the way a
 * platform drains its hosts; measures what an application and the cluster see. Each migration runs under a writer of
 * its own: a writer's multi-host URL names the members' addresses of when it started, and after a rolling migration
 * none of those is left, so each migration gets a writer over the addresses of just before it.
 */
public final class RollingMigration {

    /**
     * One member's migration.
     *
     * @param gapMillis          the longest time between two acknowledged writes from just before the stop until the
     *                           cluster was healthy again
     * @param streamingAfterMillis from the kill signal until the migrated member's WAL receiver streamed again
     * @param lostWrites         acknowledged writes missing on the leader afterwards
     */
    public record Step(String machineId, boolean wasLeader, String oldAddress, String newAddress, long gapMillis,
                       long streamingAfterMillis, int lostWrites) {}

    private final LocalCluster cluster;
    private final PrintStream progress;

    public RollingMigration(LocalCluster cluster, PrintStream progress) {
        this.cluster = cluster;
        this.progress = progress;
    }

    /** Migrates every member once, in the cluster file's order; {@code round} names the writers' tables. */
    public List<Step> run(int round) throws Exception {
        List<Step> steps = new ArrayList<>();
        for (LocalMember member : cluster.file().orElseThrow().members()) {
            steps.add(migrate(member.machineId(), "rolling_" + round + "_" + steps.size()));
        }
        return steps;
    }

    /** Migrates one member once the cluster is healthy, under a writer to {@code table}, and measures it. */
    public Step migrate(String machineId, String table) throws Exception {
        FailoverBenchmark.awaitHealthy(cluster);
        LocalClusterFile before = cluster.file().orElseThrow();
        boolean wasLeader = machineId.equals(cluster.status().leader());
        String oldAddress = before.member(machineId).orElseThrow().address();
        try (SequenceWriter writer = FailoverBenchmark.writer(before, table)) {
            FailoverBenchmark.awaitAcknowledged(writer, 25);
            Instant at = Instant.now();
            cluster.migrate(machineId, Duration.ZERO, progress);
            LocalClusterFile after = cluster.file().orElseThrow();
            FailoverBenchmark.await(() -> streams(after, machineId), machineId + " streams again");
            long streamingAfter = Duration.between(at, Instant.now()).toMillis();
            FailoverBenchmark.awaitHealthy(cluster);
            FailoverBenchmark.awaitAcknowledged(writer, writer.acknowledgedCount() + 25);
            writer.close();
            long gap = writer.longestGapSince(at.minusMillis(500)).toMillis();
            int lost;
            try (Connection leader = FailoverBenchmark.connect(after, cluster.status().leader())) {
                lost = writer.lostWrites(leader).size();
            }
            return new Step(machineId, wasLeader, oldAddress, after.member(machineId).orElseThrow().address(), gap, streamingAfter, lost);
        }
    }

    /** Whether the member, at its new address, runs as a replica whose WAL receiver streams. */
    private static boolean streams(LocalClusterFile file, String machineId) {
        try (Connection c = FailoverBenchmark.connect(file, machineId); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT status FROM pg_stat_wal_receiver")) {
            return r.next() && "streaming".equals(r.getString(1));
        } catch (SQLException e) {
            return false;
        }
    }
}
