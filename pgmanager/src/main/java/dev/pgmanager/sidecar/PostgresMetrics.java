package dev.pgmanager.sidecar;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's PostgreSQL's own metrics on the sidecar's {@code /metrics}, under the names postgres_exporter gives
 * them, so that dashboards and alerts made for it work unchanged. Each scrape reads them afresh over one short-lived
 * connection to the local server, within a deadline: a server that is down, frozen or too slow is reported as
 * {@code pg_up 0}, alone, soon enough that the scrape still carries the sidecar's own metrics, which matter most then.
 */
final class PostgresMetrics implements MultiCollector {
    /** Opens a superuser connection to this member's server that gives up after {@code deadline}. */
    @FunctionalInterface
    interface LocalConnections {
        Connection open(Duration deadline) throws SQLException;
    }

    /** Well inside Prometheus's default scrape timeout of 10 s, and ages for a healthy server on loopback. */
    static final Duration DEADLINE = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(PostgresMetrics.class);

    private final LocalConnections connections;
    private final Duration deadline;
    /** One read at a time: a burst of scrapes waits its turn rather than opening a connection each. */
    private final Semaphore oneRead = new Semaphore(1, true);
    private boolean answered = true;
    private Set<String> failingParts = Set.of();

    PostgresMetrics(LocalConnections connections, Duration deadline) {
        this.connections = connections;
        this.deadline = deadline;
    }

    @Override
    public MetricSnapshots collect() {
        Deadline by = Deadline.in(deadline);
        MetricFamilies read = null;
        String whyNot;
        try {
            if (oneRead.tryAcquire(by.remaining().toNanos(), TimeUnit.NANOSECONDS)) {
                try {
                    read = read(by);
                    whyNot = null;
                } finally {
                    oneRead.release();
                }
            } else {
                whyNot = "the previous scrape's read was still running";
            }
        } catch (SQLException e) {
            whyNot = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            whyNot = "interrupted";
        } catch (RuntimeException e) {
            // whatever went wrong, the sidecar's own metrics must still be served
            whyNot = e.toString();
        }
        MetricFamilies families = read != null ? read : new MetricFamilies();
        families.gauge("pg_up", "Whether the last scrape of metrics from PostgreSQL was able to connect to the server "
                + "(1 for yes, 0 for no).").add(read != null ? 1 : 0);
        noteAnswer(whyNot);
        return families.snapshots();
    }

    private MetricFamilies read(Deadline by) throws SQLException {
        if (by.passed()) throw new SQLException("no time was left to connect");
        try (Connection connection = connections.open(by.remaining())) {
            PostgresStatistics statistics = new PostgresStatistics(connection, by);
            MetricFamilies families = statistics.read();
            noteFailingParts(statistics.failures());
            return families;
        }
    }

    /** Logs when PostgreSQL stops answering the scrapes and when it answers again, not at every scrape. */
    private synchronized void noteAnswer(String whyNot) {
        if (whyNot != null && answered) {
            log.info("PostgreSQL did not answer the metrics scrape within {} ms, pg_up is 0: {}", deadline.toMillis(), whyNot);
        } else if (whyNot == null && !answered) {
            log.info("PostgreSQL answers the metrics scrape again, pg_up is 1");
        }
        answered = whyNot == null;
    }

    private synchronized void noteFailingParts(Map<String, String> failures) {
        failures.forEach((part, why) -> {
            if (!failingParts.contains(part)) log.warn("the metrics of PostgreSQL's {} cannot be read: {}", part, why);
        });
        failingParts = Set.copyOf(failures.keySet());
    }
}
