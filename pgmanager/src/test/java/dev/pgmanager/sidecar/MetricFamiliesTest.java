package dev.pgmanager.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Untidy query results still make one valid exposition, and each family keeps the exact name it was given. */
class MetricFamiliesTest {
    @Test
    void aRepeatedFamilyOrSeriesIsWrittenOnceAndAnEmptyFamilyNotAtAll() throws IOException {
        MetricFamilies families = new MetricFamilies();
        families.gauge("pg_locks_count", "Number of locks", "datname", "mode").add(3, "postgres", "sharelock");
        families.gauge("pg_locks_count", "asked again", "datname", "mode").add(4, "postgres", "sharelock");
        families.gauge("pg_locks_count", "Number of locks", "datname", "mode").add(5, null, "sharelock");
        families.gauge("pg_stat_replication_pg_wal_lsn_diff", "no replica, no series", "application_name");
        families.untyped("pg_stat_database_xact_commit", "a counter", "datname").add(42, "postgres");
        families.counter("pg_stat_bgwriter_buffers_alloc_total", "a counter").add(7);

        assertEquals("""
                # HELP pg_locks_count Number of locks
                # TYPE pg_locks_count gauge
                pg_locks_count{datname="",mode="sharelock"} 5.0
                pg_locks_count{datname="postgres",mode="sharelock"} 3.0
                # HELP pg_stat_bgwriter_buffers_alloc_total a counter
                # TYPE pg_stat_bgwriter_buffers_alloc_total counter
                pg_stat_bgwriter_buffers_alloc_total 7.0
                # HELP pg_stat_database_xact_commit a counter
                # TYPE pg_stat_database_xact_commit untyped
                pg_stat_database_xact_commit{datname="postgres"} 42.0
                """, text(families));
    }

    @Test
    void labelValuesMustMatchTheLabelNamesAndACounterEndsInTotal() {
        MetricFamilies families = new MetricFamilies();
        assertThrows(IllegalArgumentException.class, () -> families.gauge("pg_x", "x", "datname").add(1, "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> families.counter("pg_stat_bgwriter_buffers_alloc", "x"));
    }

    private static String text(MetricFamilies families) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, families.snapshots());
        return out.toString(StandardCharsets.UTF_8);
    }
}
