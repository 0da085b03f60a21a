package dev.pgmanager.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.StopMode;
import dev.pgmanager.postgres.TestNodes;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL's metrics read from a real server: its own figures while it answers, and {@code pg_up 0} alone, within
 * the deadline, when it is stopped, frozen, or blocks the queries.
 */
class PostgresMetricsTest {
    private static final Duration DEADLINE = PostgresMetrics.DEADLINE;
    /** pgjdbc counts its login timeout in whole seconds; a scrape may end a little after the deadline, never much. */
    private static final Duration SLACK = Duration.ofMillis(1000);

    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);
    private PostgresController server;

    @BeforeEach
    void startServer() {
        server = nodes.node("a1b2c3d4e5f601");
        server.initdb();
        server.start();
    }

    @Test
    void aServerThatAnswersIsUpAndEveryPartIsRead() throws Exception {
        // A counter the server flushes on its own schedule (0 on a fresh server): read before, it can only be as large.
        double buffersAllocBefore = Double.parseDouble(TestNodes.queryString(server, "SELECT buffers_alloc FROM pg_stat_bgwriter"));
        MetricSnapshots scraped = new PostgresMetrics(server::connectWithin, DEADLINE).collect();

        assertEquals(1, value(scraped, "pg_up"));
        for (String part : List.of("database", "stat_activity", "stat_database", "locks", "replication", "stat_replication",
                "stat_wal_receiver", "replication_slots", "settings", "stat_bgwriter")) {
            assertEquals(1, value(scraped, "pg_scrape_collector_success", "collector", part), part + " was read");
        }
        assertTrue(value(scraped, "pg_database_size_bytes", "datname", "postgres") > 0);
        assertEquals(Double.parseDouble(TestNodes.queryString(server, "SHOW max_connections")),
                value(scraped, "pg_settings_max_connections"));
        assertEquals(Double.parseDouble(TestNodes.queryString(server,
                        "SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'")),
                value(scraped, "pg_settings_shared_buffers_bytes"));
        assertEquals(Double.parseDouble(TestNodes.queryString(server,
                        "SELECT setting::float8 / 1000 FROM pg_settings WHERE name = 'statement_timeout'")),
                value(scraped, "pg_settings_statement_timeout_seconds"), "the server's statement_timeout, not the scrape's own");
        assertEquals(0, value(scraped, "pg_replication_is_replica"));
        assertEquals(0, value(scraped, "pg_replication_lag_seconds"));
        assertTrue(value(scraped, "pg_stat_bgwriter_buffers_alloc_total") >= buffersAllocBefore);
        assertFalse(text(scraped).contains(TestNodes.SUPERUSER.password()), "no password in the exposition");
    }

    @Test
    void aStoppedServerIsDownAtOnce() {
        server.stop(StopMode.FAST);

        long started = System.nanoTime();
        MetricSnapshots scraped = new PostgresMetrics(server::connectWithin, DEADLINE).collect();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertOnlyDown(scraped);
        assertTrue(took.compareTo(DEADLINE) < 0, "a refused connection is answered at once, took " + took.toMillis() + " ms");
    }

    /** A frozen postmaster accepts the TCP connection (the kernel does) and then never answers the login. */
    @Test
    void aFrozenServerIsDownWithinTheDeadline() throws Exception {
        long postmaster = server.pid().orElseThrow();
        signal("-STOP", postmaster);
        try {
            long started = System.nanoTime();
            MetricSnapshots scraped = new PostgresMetrics(server::connectWithin, DEADLINE).collect();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertOnlyDown(scraped);
            assertTrue(took.compareTo(DEADLINE.plus(SLACK)) < 0, "took " + took.toMillis() + " ms");
        } finally {
            signal("-CONT", postmaster);
        }
        assertEquals(1, value(new PostgresMetrics(server::connectWithin, DEADLINE).collect(), "pg_up"), "up again once thawed");
    }

    /**
     * Logged in, then every query waits for a lock another session holds on pg_database: the scrape gives up when its
     * time is up rather than when the lock is released.
     */
    @Test
    void aServerThatBlocksTheQueriesIsDownWithinTheDeadline() throws Exception {
        AtomicReference<Connection> holder = new AtomicReference<>();
        PostgresMetrics.LocalConnections lockedOutAfterLogin = deadline -> {
            Connection metrics = server.connectWithin(deadline);
            Connection locker = server.connect();
            holder.set(locker);
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("LOCK TABLE pg_database IN ACCESS EXCLUSIVE MODE");
            }
            return metrics;
        };
        try {
            long started = System.nanoTime();
            MetricSnapshots scraped = new PostgresMetrics(lockedOutAfterLogin, DEADLINE).collect();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertOnlyDown(scraped);
            assertTrue(took.compareTo(DEADLINE.plus(SLACK)) < 0, "took " + took.toMillis() + " ms");
        } finally {
            holder.get().rollback();
            holder.get().close();
        }
    }

    private static void assertOnlyDown(MetricSnapshots scraped) {
        assertEquals(List.of("pg_up"), scraped.stream().map(s -> s.getMetadata().getPrometheusName()).toList());
        assertEquals(0, value(scraped, "pg_up"));
    }

    /** The value of the one series of {@code name} with exactly these labels ({@code "k", "v", ...}). */
    private static double value(MetricSnapshots scraped, String name, String... labels) {
        Labels wanted = Labels.of(labels);
        MetricSnapshot family = scraped.stream().filter(s -> exposedName(s).equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no family " + name));
        for (DataPointSnapshot point : family.getDataPoints()) {
            if (!point.getLabels().equals(wanted)) continue;
            return switch (point) {
                case GaugeDataPointSnapshot gauge -> gauge.getValue();
                case CounterDataPointSnapshot counter -> counter.getValue();
                case UnknownDataPointSnapshot unknown -> unknown.getValue();
                default -> throw new AssertionError("unexpected data point " + point);
            };
        }
        throw new AssertionError("no series " + name + wanted);
    }

    /** The client keeps a counter's name without {@code _total}, and writes its samples with it. */
    private static String exposedName(MetricSnapshot family) {
        return family.getMetadata().getPrometheusName() + (family instanceof CounterSnapshot ? "_total" : "");
    }

    private static String text(MetricSnapshots scraped) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, scraped);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) throw new AssertionError("kill " + signal + " " + pid + " failed");
    }
}
