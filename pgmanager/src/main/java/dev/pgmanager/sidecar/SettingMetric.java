package dev.pgmanager.sidecar;

import java.util.Map;
import java.util.Optional;

/**
 * One numeric PostgreSQL setting as postgres_exporter's {@code settings} collector reports it, so that dashboards
 * reading {@code pg_settings_shared_buffers_bytes} or {@code pg_settings_max_connections} work unchanged: booleans are
 * 1 or 0; a setting with a unit of time is in seconds and named {@code _seconds}, one with a unit of size in bytes and
 * named {@code _bytes}, whatever unit PostgreSQL counts it in (shared_buffers counts 8 kB blocks); -1, PostgreSQL's
 * "disabled", stays -1.
 */
record SettingMetric(String name, String help, double value) {
    private static final Map<String, Double> SECONDS_PER_UNIT = Map.of(
            "ms", 0.001, "s", 1.0, "min", 60.0, "h", 3600.0, "d", 86400.0);
    private static final Map<String, Double> BYTES_PER_UNIT = Map.ofEntries(
            Map.entry("B", 1.0), Map.entry("kB", 0x1p10), Map.entry("MB", 0x1p20), Map.entry("GB", 0x1p30),
            Map.entry("TB", 0x1p40), Map.entry("1kB", 0x1p10), Map.entry("2kB", 0x1p11), Map.entry("4kB", 0x1p12),
            Map.entry("8kB", 0x1p13), Map.entry("16kB", 0x1p14), Map.entry("32kB", 0x1p15), Map.entry("64kB", 0x1p16),
            Map.entry("16MB", 0x1p24), Map.entry("32MB", 0x1p25), Map.entry("64MB", 0x1p26));

    /**
     * The metric for a row of {@code pg_settings}; empty for a type other than bool, integer and real, and for a value
     * or unit postgres_exporter could not read either (it skips those too).
     */
    static Optional<SettingMetric> of(String setting, String value, String unit, String vartype) {
        String name = "pg_settings_" + metricNamePart(setting);
        String help = "Server Parameter: " + setting;
        if (vartype.equals("bool")) return Optional.of(new SettingMetric(name, help, value.equals("on") ? 1 : 0));
        if (!vartype.equals("integer") && !vartype.equals("real")) return Optional.empty();
        double number;
        try {
            number = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (unit == null || unit.isEmpty()) return Optional.of(new SettingMetric(name, help, number));
        String baseUnit;
        double factor;
        if (SECONDS_PER_UNIT.containsKey(unit)) {
            baseUnit = "seconds";
            factor = SECONDS_PER_UNIT.get(unit);
        } else if (BYTES_PER_UNIT.containsKey(unit)) {
            baseUnit = "bytes";
            factor = BYTES_PER_UNIT.get(unit);
        } else {
            return Optional.empty();
        }
        return Optional.of(new SettingMetric(name + "_" + baseUnit, help + " [Units converted to " + baseUnit + ".]",
                number == -1 ? -1 : number * factor));
    }

    /** postgres_exporter turns the dots of extensions' settings and any dash into underscores; so does this, and with
     * anything else a metric name cannot hold. */
    private static String metricNamePart(String setting) {
        return setting.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
