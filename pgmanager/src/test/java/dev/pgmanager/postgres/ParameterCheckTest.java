package dev.pgmanager.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Values checked as PostgreSQL 15's pg_settings describes its settings (rows copied from it). */
class ParameterCheckTest {
    private static final Map<String, ParameterCheck.Setting> PG15 = Map.of(
            "shared_buffers", integer("shared_buffers", "16", "1073741823", "8kB", "postmaster"),
            "work_mem", integer("work_mem", "64", "2147483647", "kB", "user"),
            "statement_timeout", integer("statement_timeout", "0", "2147483647", "ms", "user"),
            "max_connections", integer("max_connections", "1", "262143", null, "postmaster"),
            "random_page_cost", new ParameterCheck.Setting("random_page_cost", "4", "real", Optional.of("0"),
                    Optional.of("1.79769e+308"), List.of(), "user", Optional.empty(), "", false),
            "log_statement", new ParameterCheck.Setting("log_statement", "none", "enum", Optional.empty(), Optional.empty(),
                    List.of("none", "ddl", "mod", "all"), "superuser", Optional.empty(), "", false),
            "jit", new ParameterCheck.Setting("jit", "on", "bool", Optional.empty(), Optional.empty(), List.of(), "user",
                    Optional.empty(), "", false),
            "wal_level", new ParameterCheck.Setting("wal_level", "replica", "enum", Optional.empty(), Optional.empty(),
                    List.of("minimal", "replica", "logical"), "postmaster", Optional.empty(), "", false));

    @Test
    void valuesPostgresqlWouldTakePass() {
        Map<String, String> good = new LinkedHashMap<>();
        good.put("shared_buffers", "256MB");
        good.put("work_mem", "8192");
        good.put("statement_timeout", "30s");
        good.put("max_connections", "150");
        good.put("random_page_cost", "1.1");
        good.put("log_statement", "DDL");
        good.put("jit", "off");
        good.put("wal_level", "logical");
        good.put("pg_stat_statements.track", "all");
        assertEquals(List.of(), ParameterCheck.problems(good, PG15));
    }

    @Test
    void eachBadValueIsNamedWithWhy() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("shared_buffers", "64kB");
        bad.put("work_mem", "5 apples");
        bad.put("max_connections", "1.5");
        bad.put("log_statement", "everything");
        bad.put("jit", "maybe");
        bad.put("wal_level", "minimal");
        bad.put("listen_addresses", "*");
        bad.put("no_such_setting", "1");
        bad.put("work-mem", "1MB");
        bad.put("random_page_cost", "-1");
        List<String> problems = ParameterCheck.problems(bad, PG15);
        assertEquals(bad.size(), problems.size(), problems.toString());
        String all = String.join("\n", problems);
        for (String expected : List.of("shared_buffers: 64kB is out of range: from 16 to 1073741823 (in units of 8kB)",
                "work_mem: 'apples' is not a unit it takes", "max_connections: '1.5' is not a whole number",
                "log_statement: 'everything' is not one of none, ddl, mod, all", "jit: 'maybe' is not a boolean",
                "wal_level minimal leaves nothing for replicas", "listen_addresses: pgmanager sets listen_addresses itself",
                "unknown parameter no_such_setting", "'work-mem' is not a parameter name", "random_page_cost: -1 is out of range")) {
            assertTrue(all.contains(expected), expected + " not in:\n" + all);
        }
    }

    @Test
    void aValueCannotSmuggleAnotherSettingOntoANewLine() {
        assertTrue(ParameterCheck.problems(Map.of("work_mem", "4MB\nlisten_addresses = '*'"), PG15).getFirst()
                .contains("a value must fit on one line"));
    }

    private static ParameterCheck.Setting integer(String name, String min, String max, String unit, String context) {
        return new ParameterCheck.Setting(name, min, "integer", Optional.of(min), Optional.of(max), List.of(), context,
                Optional.ofNullable(unit), "", false);
    }
}
