package dev.pgmanager.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL in a Grafana dashboard and the metric names it selects, so a test can hold them against what a member
 * exports. Names are kept as written: {@code x_bucket} stays {@code x_bucket}, since only the scrape can tell a
 * histogram's series ({@code _bucket}, {@code _sum}, {@code _count}) from a gauge that ends the same way
 * ({@code pg_stat_activity_count}). Grafana's variables ({@code $app}, {@code ${x}}, {@code [[x]]}) are skipped, so a
 * variable standing for a metric name goes unchecked; a selector by {@code __name__} is refused for the same reason.
 */
final class DashboardQueries {
    /** Where the dashboard is, from a module's directory (Maven's working directory for its tests). */
    static final Path DASHBOARD = Path.of("..", "dashboards", "pgmanager.json");

    /** One PromQL expression and where in the dashboard it is, for messages. */
    record Query(String where, String promql) {}

    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    /** Keywords followed by a list of label names in parentheses. */
    private static final Set<String> GROUPINGS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");
    private static final Set<String> FUNCTIONS = Set.of("abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh",
            "atan", "atanh", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
            "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv",
            "double_exponential_smoothing", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
            "histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta",
            "increase", "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time",
            "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time",
            "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label",
            "sort_by_label_desc", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh",
            "time", "timestamp", "vector", "year", "start", "end");
    private static final Pattern LABEL_VALUES = Pattern.compile("(?s)\\s*label_values\\s*\\((.*),\\s*[$\\w{}]+\\s*\\)\\s*");
    private static final Pattern ONE_ARGUMENT = Pattern.compile("(?s)\\s*(label_values|label_names|query_result)\\s*\\((.*)\\)\\s*");

    private final JsonNode dashboard;

    private DashboardQueries(JsonNode dashboard) {
        this.dashboard = dashboard;
    }

    static DashboardQueries load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no dashboard at " + file.toAbsolutePath().normalize() + " (tests run in the module's directory)");
        }
        try {
            return new DashboardQueries(new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static DashboardQueries of(String json) {
        try {
            return new DashboardQueries(new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode json() {
        return dashboard;
    }

    /** Every panel, those inside collapsed rows too, in the dashboard's order. */
    List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(dashboard.path("panels"), panels);
        return panels;
    }

    /**
     * Every PromQL expression: the panels' targets, the annotations' queries, and the selector a query variable reads
     * its values from ({@code label_values(pgmanager_role{...}, instance)} gives {@code pgmanager_role{...}}).
     */
    List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                if (target.has("expr")) queries.add(new Query("panel '" + panel.path("title").asText() + "'", target.path("expr").asText()));
            }
        }
        for (JsonNode annotation : dashboard.path("annotations").path("list")) {
            String where = "annotation '" + annotation.path("name").asText() + "'";
            if (annotation.has("expr")) queries.add(new Query(where, annotation.path("expr").asText()));
            if (annotation.path("target").has("expr")) queries.add(new Query(where, annotation.path("target").path("expr").asText()));
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!"query".equals(variable.path("type").asText())) continue;
            JsonNode query = variable.path("query");
            String text = query.isTextual() ? query.asText() : query.path("query").asText();
            variableSelector(text).ifPresent(promql ->
                    queries.add(new Query("variable '" + variable.path("name").asText() + "'", promql)));
        }
        return queries;
    }

    /** Each metric name the dashboard selects, with where it is used. */
    SortedMap<String, List<String>> metricNames() {
        SortedMap<String, List<String>> names = new TreeMap<>();
        for (Query query : queries()) {
            Set<String> found;
            try {
                found = metricNames(query.promql());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(query.where() + ": " + e.getMessage(), e);
            }
            for (String name : found) names.computeIfAbsent(name, n -> new ArrayList<>()).add(query.where());
        }
        return names;
    }

    /** The PromQL inside a Prometheus variable's query, if it has any ({@code label_values(job)} has none). */
    static Optional<String> variableSelector(String query) {
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.matches()) return Optional.of(labelValues.group(1));
        Matcher oneArgument = ONE_ARGUMENT.matcher(query);
        if (oneArgument.matches()) {
            return oneArgument.group(1).equals("query_result") ? Optional.of(oneArgument.group(2)) : Optional.empty();
        }
        return Optional.of(query);
    }

    /**
     * The metric names one PromQL expression selects: its identifiers less functions, aggregations, keywords, label
     * names (in selectors and in {@code by}, {@code on}, {@code group_left} lists), strings, numbers, durations and
     * Grafana's variables. Throws on an unknown function, unbalanced brackets or a selector by {@code __name__}.
     */
    static Set<String> metricNames(String promql) {
        Set<String> names = new TreeSet<>();
        int depth = 0;
        int i = 0;
        while (i < promql.length()) {
            char c = promql.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(promql, i);
            } else if (c == '#') {
                int newline = promql.indexOf('\n', i);
                i = newline < 0 ? promql.length() : newline;
            } else if (c == '$') {
                i = afterVariable(promql, i);
            } else if (c == '{') {
                int end = after(promql, i, '{', '}');
                if (promql.substring(i, end).contains("__name__")) {
                    throw new IllegalArgumentException("a selector by __name__ cannot be checked: " + promql);
                }
                i = end;
            } else if (c == '[') {
                i = after(promql, i, '[', ']');
            } else if (c == '}' || c == ']') {
                throw new IllegalArgumentException("unbalanced '" + c + "' at " + i + ": " + promql);
            } else if (Character.isDigit(c) || c == '.') {
                while (i < promql.length() && (Character.isLetterOrDigit(promql.charAt(i)) || promql.charAt(i) == '.')) i++;
            } else if (c == '_' || c == ':' || (c < 128 && Character.isLetter(c))) {
                int end = i;
                while (end < promql.length() && isNamePart(promql.charAt(end))) end++;
                String word = promql.substring(i, end);
                int next = end;
                while (next < promql.length() && Character.isWhitespace(promql.charAt(next))) next++;
                boolean call = next < promql.length() && promql.charAt(next) == '(';
                String keyword = word.toLowerCase(Locale.ROOT);
                i = end;
                if (GROUPINGS.contains(keyword)) {
                    if (call) i = after(promql, next, '(', ')');
                } else if (KEYWORDS.contains(keyword) || AGGREGATIONS.contains(keyword)) {
                    continue;
                } else if (call) {
                    if (!FUNCTIONS.contains(word)) throw new IllegalArgumentException("unknown function " + word + ": " + promql);
                } else {
                    names.add(word);
                }
            } else {
                if (c == '(') depth++;
                if (c == ')' && --depth < 0) throw new IllegalArgumentException("unbalanced ')' at " + i + ": " + promql);
                i++;
            }
        }
        if (depth != 0) throw new IllegalArgumentException("unbalanced '(': " + promql);
        return names;
    }

    private static boolean isNamePart(char c) {
        return c == '_' || c == ':' || (c < 128 && Character.isLetterOrDigit(c));
    }

    private static void collectPanels(JsonNode panels, List<JsonNode> into) {
        for (JsonNode panel : panels) {
            into.add(panel);
            collectPanels(panel.path("panels"), into);
        }
    }

    /** The index after the string that starts at {@code start}, escapes included. */
    private static int afterString(String text, int start) {
        char quote = text.charAt(start);
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && quote != '`') i++;
            else if (c == quote) return i + 1;
        }
        throw new IllegalArgumentException("unterminated string at " + start + ": " + text);
    }

    /** The index after the bracketed part that opens at {@code start}, skipping strings and nested pairs inside. */
    private static int after(String text, int start, char open, char close) {
        int depth = 0;
        for (int i = start; i < text.length(); ) {
            char c = text.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(text, i);
                continue;
            }
            if (c == open) depth++;
            if (c == close && --depth == 0) return i + 1;
            i++;
        }
        throw new IllegalArgumentException("unbalanced '" + open + "' at " + start + ": " + text);
    }

    /** The index after a Grafana variable: {@code $name}, {@code $__name} or {@code ${name:format}}. */
    private static int afterVariable(String text, int start) {
        if (start + 1 < text.length() && text.charAt(start + 1) == '{') return after(text, start + 1, '{', '}');
        int i = start + 1;
        while (i < text.length() && isNamePart(text.charAt(i)) && text.charAt(i) != ':') i++;
        return i;
    }
}
