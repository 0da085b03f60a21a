package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The metric names read out of PromQL, and the shape of dashboards/pgmanager.json that Grafana's import needs. That
 * every name is exported by a live member is ObservabilityAndSecurityTest's.
 */
class DashboardQueriesTest {
    private static final String DATASOURCE = "${DS_PROMETHEUS}";

    @Test
    void aHistogramQuantileSelectsTheBucketsAndNotItsFunctionsOrLabels() {
        assertEquals(Set.of("pgmanager_control_loop_duration_seconds_bucket"), DashboardQueries.metricNames(
                "histogram_quantile(0.99, sum by (le, instance) (rate(pgmanager_control_loop_duration_seconds_bucket[5m])))"));
    }

    @Test
    void labelsInsideASelectorAreNotMetrics() {
        assertEquals(Set.of("pgmanager_role"), DashboardQueries.metricNames("pgmanager_role{role=\"x\"}"));
        // a value may hold what would end the selector or open a string
        assertEquals(Set.of("pgmanager_rewriter_enabled", "up"), DashboardQueries.metricNames(
                "pgmanager_rewriter_enabled{reason=~\"a}b|c'd\", instance!=\"e\\\"f\"} + on() group_left up"));
    }

    @Test
    void matchingKeywordsAndTheirLabelListsAreNotMetrics() {
        assertEquals(Set.of("pg_replication_is_replica", "pg_replication_lag_seconds"), DashboardQueries.metricNames(
                "pg_replication_lag_seconds and on (instance) pg_replication_is_replica == 1"));
        assertEquals(Set.of("a", "b", "c", "d", "e", "f", "g"), DashboardQueries.metricNames(
                "a unless ignoring (job) b or c / on (instance) group_left (role) d > bool 0 "
                        + "and sum without (datid) (e offset 5m) and topk(3, f) and count_values(\"v\", g) BY (x)"));
        assertEquals(Set.of("h"), DashboardQueries.metricNames("sum(rate(h[1h30m:1m])) by (le) * 1e3 - time() or vector(0)"));
    }

    @Test
    void grafanasVariablesAreSkippedWhereverTheyStand() {
        assertEquals(Set.of("pgmanager_failovers_total"), DashboardQueries.metricNames(
                "sum(increase(pgmanager_failovers_total{$app_label=\"$app\", instance=~\"${instance:regex}\"}[$__range]))"));
        assertEquals(Set.of("x"), DashboardQueries.metricNames("rate(x[[[interval]]]) * $factor"));
    }

    @Test
    void whatCannotBeCheckedIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> DashboardQueries.metricNames("rat(x[5m])"), "unknown function");
        assertThrows(IllegalArgumentException.class, () -> DashboardQueries.metricNames("sum(rate(x[5m])"), "unbalanced");
        assertThrows(IllegalArgumentException.class, () -> DashboardQueries.metricNames("x{a=\"b\""), "unbalanced");
        assertThrows(IllegalArgumentException.class, () -> DashboardQueries.metricNames("x{a=\"b}"), "unterminated string");
        assertThrows(IllegalArgumentException.class, () -> DashboardQueries.metricNames("{__name__=~\"pg_.*\"}"), "by __name__");
    }

    @Test
    void queriesComeFromTargetsOfNestedPanelsAnnotationsAndQueryVariables() {
        DashboardQueries dashboard = DashboardQueries.of("""
                {"panels": [
                  {"type": "timeseries", "title": "top", "targets": [{"expr": "rate(top_total[5m])"}]},
                  {"type": "row", "title": "collapsed", "collapsed": true, "panels": [
                    {"type": "stat", "title": "inside", "targets": [{"expr": "inside{a=\\"b\\"}"}, {"refId": "B"}]}]}],
                 "annotations": {"list": [
                   {"name": "builtin", "builtIn": 1},
                   {"name": "classic", "expr": "changes(classic[2m]) > 0"},
                   {"name": "new", "target": {"expr": "changes(targeted[2m]) > 0"}}]},
                 "templating": {"list": [
                   {"name": "label", "type": "custom", "query": "app,job"},
                   {"name": "app", "type": "query", "query": "label_values(job)"},
                   {"name": "member", "type": "query", "query": {"query": "label_values(chosen{job=\\"$app\\", x=\\"a,b\\"}, instance)"}},
                   {"name": "legacy", "type": "query", "query": "label_values(legacy, $label)"},
                   {"name": "result", "type": "query", "query": "query_result(topk(1, result))"}]}}
                """);
        assertEquals(List.of("top", "inside"), dashboard.panels().stream()
                .filter(p -> !p.path("type").asText().equals("row")).map(p -> p.path("title").asText()).toList());
        assertEquals(Set.of("top_total", "inside", "classic", "targeted", "chosen", "legacy", "result"),
                dashboard.metricNames().keySet());
        assertEquals(List.of("panel 'inside'"), dashboard.metricNames().get("inside"));
        assertEquals(Optional.empty(), DashboardQueries.variableSelector("label_values(instance)"));
    }

    /** What Grafana's "Import dashboard" needs, and what issue 19 asks the dashboard to show. */
    @Test
    void theDashboardHasWhatGrafanasImportNeedsAndOneRowPerMember() {
        DashboardQueries dashboard = DashboardQueries.load(DashboardQueries.DASHBOARD);
        JsonNode json = dashboard.json();
        assertTrue(elements(json.path("__inputs")).stream().anyMatch(input -> input.path("name").asText().equals("DS_PROMETHEUS")
                && input.path("type").asText().equals("datasource") && input.path("pluginId").asText().equals("prometheus")),
                json.path("__inputs").toString());
        assertTrue(json.path("schemaVersion").asInt() >= 36, "schema " + json.path("schemaVersion"));
        assertFalse(json.path("uid").asText().isEmpty());

        List<JsonNode> panels = dashboard.panels();
        assertTrue(panels.size() >= 20, panels.size() + " panels");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            JsonNode grid = panel.path("gridPos");
            for (String field : List.of("h", "w", "x", "y")) assertTrue(grid.path(field).isInt(), title + " gridPos " + grid);
            assertTrue(grid.path("x").asInt() + grid.path("w").asInt() <= 24, title + " is wider than the dashboard");
            assertTrue(ids.add(panel.path("id").asInt()), "two panels with id " + panel.path("id"));
            if (panel.path("type").asText().equals("row")) continue;
            assertEquals(DATASOURCE, panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("targets").isEmpty(), title + " has no query");
            for (JsonNode target : panel.path("targets")) {
                assertEquals(DATASOURCE, target.path("datasource").path("uid").asText(), title);
                DashboardQueries.metricNames(target.path("expr").asText());
            }
        }
        assertNoOverlap(elements(json.path("panels")));

        JsonNode member = variable(json, "instance");
        assertEquals("query", member.path("type").asText());
        assertTrue(member.path("multi").asBoolean() && member.path("includeAll").asBoolean(), member.toString());
        assertEquals("$__all", member.path("current").path("value").path(0).asText(), "all members by default");
        assertEquals("query", variable(json, "app").path("type").asText());

        List<JsonNode> repeated = panels.stream().filter(p -> p.path("type").asText().equals("row")
                && p.path("repeat").asText().equals("instance")).toList();
        assertEquals(1, repeated.size(), "one row repeated per member");
        Set<String> perMember = new TreeSet<>();
        for (JsonNode panel : rowPanels(elements(json.path("panels")), repeated.getFirst())) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertTrue(expr.contains("instance=~\"$instance\""), panel.path("title") + " is not this member's alone: " + expr);
                perMember.addAll(DashboardQueries.metricNames(expr));
            }
        }
        assertTrue(perMember.containsAll(Set.of("pgmanager_role", "pgmanager_lease_held", "pgmanager_timeline", "pg_up",
                "pg_stat_activity_count", "pg_stat_database_xact_commit", "pg_stat_database_xact_rollback",
                "pgmanager_replication_lag_bytes", "pgmanager_replication_lag_seconds", "pg_replication_lag_seconds",
                "pgmanager_volume_free_bytes", "pgmanager_volume_size_bytes", "pgmanager_disk_read_only",
                "pg_database_size_bytes")), perMember.toString());

        Set<String> cluster = dashboard.metricNames().keySet();
        assertTrue(cluster.containsAll(Set.of("pgmanager_failovers_total", "pgmanager_switchovers_total", "pgmanager_leader_epoch",
                "pgmanager_control_loop_duration_seconds_bucket", "pgmanager_control_loop_last_success_timestamp_seconds",
                "pgmanager_dns_lookups_total", "pgmanager_dns_lookup_failures_total", "pgmanager_rewriter_hits_total")), cluster.toString());
        assertTrue(cluster.size() >= 15, cluster.toString());

        List<String> annotations = elements(json.path("annotations").path("list")).stream()
                .filter(a -> a.path("enable").asBoolean() && a.path("datasource").path("uid").asText().equals(DATASOURCE))
                .map(a -> a.path("expr").asText()).toList();
        assertTrue(annotations.stream().anyMatch(e -> e.contains("changes(pgmanager_leader_epoch")), annotations.toString());
        assertTrue(annotations.stream().anyMatch(e -> e.contains("changes(pgmanager_role{") && e.contains("role=\"primary\"")),
                annotations.toString());
    }

    private static JsonNode variable(JsonNode json, String name) {
        return elements(json.path("templating").path("list")).stream().filter(v -> v.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no variable " + name));
    }

    /** A row's panels: inside it when collapsed, else those after it up to the next row. */
    private static List<JsonNode> rowPanels(List<JsonNode> topLevel, JsonNode row) {
        if (row.path("collapsed").asBoolean()) return elements(row.path("panels"));
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : topLevel.subList(topLevel.indexOf(row) + 1, topLevel.size())) {
            if (panel.path("type").asText().equals("row")) break;
            panels.add(panel);
        }
        assertFalse(panels.isEmpty(), "row " + row.path("title") + " has no panels");
        return panels;
    }

    private static void assertNoOverlap(List<JsonNode> panels) {
        Map<String, String> cells = new HashMap<>();
        for (JsonNode panel : panels) {
            JsonNode grid = panel.path("gridPos");
            for (int x = grid.path("x").asInt(); x < grid.path("x").asInt() + grid.path("w").asInt(); x++) {
                for (int y = grid.path("y").asInt(); y < grid.path("y").asInt() + grid.path("h").asInt(); y++) {
                    String other = cells.put(x + "," + y, panel.path("title").asText());
                    assertNull(other, panel.path("title") + " overlaps " + other + " at " + x + "," + y);
                }
            }
        }
    }

    private static List<JsonNode> elements(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }
}
