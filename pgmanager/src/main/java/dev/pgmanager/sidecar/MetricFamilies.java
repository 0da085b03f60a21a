package dev.pgmanager.sidecar;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metric families of one scrape, filled series by series from query results. What PostgreSQL returns is not
 * trusted to be tidy: a family asked for twice is one family, a label set that comes back twice (two walsenders alike)
 * keeps its first value, and a family left without series is not written. The Prometheus client would otherwise
 * throw, or write one family twice, and either fails the whole scrape, the sidecar's own metrics with it.
 */
final class MetricFamilies {
    private enum Type { GAUGE, COUNTER, UNTYPED }

    /** One family's series: values by their label values, in the order they came. */
    static final class Family {
        private final Type type;
        private final String name;
        private final String help;
        private final String[] labelNames;
        private final Map<List<String>, Double> series = new LinkedHashMap<>();

        private Family(Type type, String name, String help, String[] labelNames) {
            this.type = type;
            this.name = name;
            this.help = help;
            this.labelNames = labelNames;
        }

        int labelCount() {
            return labelNames.length;
        }

        /** A series with these label values (one per label name; null is written as an empty value). */
        void add(double value, String... labelValues) {
            if (labelValues.length != labelNames.length) {
                throw new IllegalArgumentException(name + " has labels " + Arrays.toString(labelNames) + ", not "
                        + labelValues.length + " values");
            }
            List<String> key = Arrays.stream(labelValues).map(v -> v == null ? "" : v).toList();
            series.putIfAbsent(key, value);
        }

        private MetricSnapshot snapshot() {
            return switch (type) {
                case GAUGE -> {
                    GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
                    series.forEach((values, value) -> builder.dataPoint(
                            GaugeDataPointSnapshot.builder().labels(labels(values)).value(value).build()));
                    yield builder.build();
                }
                case COUNTER -> {
                    CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
                    series.forEach((values, value) -> builder.dataPoint(
                            CounterDataPointSnapshot.builder().labels(labels(values)).value(value).build()));
                    yield builder.build();
                }
                case UNTYPED -> {
                    UnknownSnapshot.Builder builder = UnknownSnapshot.builder().name(name).help(help);
                    series.forEach((values, value) -> builder.dataPoint(
                            UnknownDataPointSnapshot.builder().labels(labels(values)).value(value).build()));
                    yield builder.build();
                }
            };
        }

        private Labels labels(List<String> values) {
            return Labels.of(labelNames, values.toArray(String[]::new));
        }
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    Family gauge(String name, String help, String... labelNames) {
        return family(Type.GAUGE, name, help, labelNames);
    }

    /** A counter whose exposed name ends in {@code _total}, as {@code name} must. */
    Family counter(String name, String help, String... labelNames) {
        if (!name.endsWith("_total")) throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        return family(Type.COUNTER, name, help, labelNames);
    }

    /**
     * A family written with no type ({@code untyped}): for counters whose established name lacks {@code _total}. The
     * Prometheus client writes every counter's samples with that suffix, which would rename them; a dashboard's
     * {@code rate()} works on an untyped series all the same.
     */
    Family untyped(String name, String help, String... labelNames) {
        return family(Type.UNTYPED, name, help, labelNames);
    }

    private Family family(Type type, String name, String help, String[] labelNames) {
        return families.computeIfAbsent(name, n -> new Family(type, n, help, labelNames));
    }

    MetricSnapshots snapshots() {
        return new MetricSnapshots(families.values().stream().filter(f -> !f.series.isEmpty()).map(Family::snapshot).toList());
    }
}
