package dev.pgmanager.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** pg_settings rows as postgres_exporter names and converts them; "-" in a table row: no metric. */
class SettingMetricTest {
    @ParameterizedTest(name = "{0} = {1} {2} ({3})")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            max_connections            | 100        | NULL | integer | pg_settings_max_connections                | 100
            shared_buffers             | 16384      | 8kB  | integer | pg_settings_shared_buffers_bytes           | 134217728
            work_mem                   | 4096       | kB   | integer | pg_settings_work_mem_bytes                 | 4194304
            wal_segment_size           | 16777216   | B    | integer | pg_settings_wal_segment_size_bytes         | 16777216
            min_wal_size               | 80         | MB   | integer | pg_settings_min_wal_size_bytes             | 83886080
            checkpoint_timeout         | 300        | s    | integer | pg_settings_checkpoint_timeout_seconds     | 300
            statement_timeout          | 1500       | ms   | integer | pg_settings_statement_timeout_seconds      | 1.5
            log_rotation_age           | 1440       | min  | integer | pg_settings_log_rotation_age_seconds       | 86400
            log_min_duration_statement | -1         | ms   | integer | pg_settings_log_min_duration_statement_seconds | -1
            max_slot_wal_keep_size     | -1         | MB   | integer | pg_settings_max_slot_wal_keep_size_bytes   | -1
            random_page_cost           | 4          | NULL | real    | pg_settings_random_page_cost               | 4
            fsync                      | on         | NULL | bool    | pg_settings_fsync                          | 1
            hot_standby_feedback       | off        | NULL | bool    | pg_settings_hot_standby_feedback           | 0
            pg_stat_statements.max     | 5000       | NULL | integer | pg_settings_pg_stat_statements_max         | 5000
            my-ext.some-knob           | 7          | NULL | integer | pg_settings_my_ext_some_knob               | 7
            wal_level                  | replica    | NULL | enum    | -                                          | 0
            some_setting               | 12 parsecs | NULL | integer | -                                          | 0
            odd_unit                   | 3          | furlong | integer | -                                       | 0
            """)
    void isNamedAndConvertedAsPostgresExporterDoes(String setting, String value, String unit, String vartype, String name,
                                                   double expected) {
        Optional<SettingMetric> metric = SettingMetric.of(setting, value, unit, vartype);
        if (name.equals("-")) {
            assertEquals(Optional.empty(), metric);
            return;
        }
        assertEquals(name, metric.orElseThrow().name());
        assertEquals(expected, metric.orElseThrow().value(), 1e-9);
    }
}
