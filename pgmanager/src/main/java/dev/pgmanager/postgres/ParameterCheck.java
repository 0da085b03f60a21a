package dev.pgmanager.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks server parameters against what the running server says about them ({@code pg_settings}): the name exists, the
 * value has the setting's type, is one of its choices or within its range (units converted as PostgreSQL converts
 * them), and is not one pgmanager sets itself. A parameter is stored for the whole cluster only after this check, so a
 * bad value never reaches a member's configuration file, where it would keep that member's server from starting.
 */
public final class ParameterCheck {
    /** Names as postgresql.conf spells them, extension settings ({@code pg_stat_statements.track}) included. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final Pattern NUMBER = Pattern.compile("\\s*([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)\\s*([A-Za-z]*)\\s*");
    private static final Set<String> BOOLEANS = Set.of("on", "off", "true", "false", "yes", "no", "1", "0");
    private static final Map<String, Double> MEMORY_UNITS = Map.of("B", 1d, "kB", 1024d, "MB", 1024d * 1024,
            "GB", 1024d * 1024 * 1024, "TB", 1024d * 1024 * 1024 * 1024);
    private static final Map<String, Double> TIME_UNITS = Map.of("us", 0.001, "ms", 1d, "s", 1000d, "min", 60_000d,
            "h", 3_600_000d, "d", 86_400_000d);

    /**
     * One row of {@code pg_settings}.
     *
     * @param unit the base unit of numeric values ({@code 8kB}, {@code ms}, ...); empty when unitless
     * @param context {@code postmaster} settings take effect only at a restart
     */
    public record Setting(String name, String setting, String vartype, Optional<String> minimum, Optional<String> maximum,
            List<String> choices, String context, Optional<String> unit, String description, boolean pendingRestart) {

        public boolean needsRestart() {
            return context.equals("postmaster");
        }
    }

    private ParameterCheck() {}

    /** The {@code pg_settings} rows of {@code names} that exist, by name, in the order asked. */
    public static Map<String, Setting> describe(Connection connection, List<String> names) throws SQLException {
        Map<String, Setting> found = new LinkedHashMap<>();
        try (PreparedStatement p = connection.prepareStatement("""
                SELECT name, setting, vartype, min_val, max_val, enumvals, context, unit, short_desc, pending_restart
                FROM pg_settings WHERE name = ANY (?)""")) {
            p.setArray(1, connection.createArrayOf("text", names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toArray()));
            Map<String, Setting> byName = new LinkedHashMap<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    Array choices = r.getArray(6);
                    byName.put(r.getString(1), new Setting(r.getString(1), r.getString(2), r.getString(3),
                            Optional.ofNullable(r.getString(4)), Optional.ofNullable(r.getString(5)),
                            choices == null ? List.of() : List.of((String[]) choices.getArray()), r.getString(7),
                            Optional.ofNullable(r.getString(8)), r.getString(9), r.getBoolean(10)));
                }
            }
            for (String name : names) {
                Setting s = byName.get(name.toLowerCase(Locale.ROOT));
                if (s != null) found.put(name, s);
            }
        }
        return found;
    }

    /**
     * Every problem with {@code changes}, one sentence each; empty when all of them may be stored.
     *
     * @param known the server's description of the names in {@code changes} ({@link #describe})
     */
    public static List<String> problems(Map<String, String> changes, Map<String, Setting> known) {
        List<String> problems = new ArrayList<>();
        changes.forEach((name, value) -> problem(name, value, known.get(name)).ifPresent(problems::add));
        return problems;
    }

    private static Optional<String> problem(String name, String value, Setting setting) {
        if (name == null || !NAME.matcher(name).matches()) return Optional.of("'" + name + "' is not a parameter name");
        if (value == null) return Optional.of(name + ": no value");
        if (value.contains("\n") || value.contains("\r") || value.indexOf('\0') >= 0) {
            return Optional.of(name + ": a value must fit on one line");
        }
        Optional<String> managed = ManagedSettings.whyNot(name, value);
        if (managed.isPresent()) return Optional.of(name + ": " + managed.get());
        if (setting == null) {
            // An extension's setting is known only once its library is loaded; a plain name must be the server's.
            return name.contains(".") ? Optional.empty() : Optional.of("unknown parameter " + name + " (PostgreSQL has no such setting)");
        }
        return switch (setting.vartype()) {
            case "bool" -> BOOLEANS.contains(value.strip().toLowerCase(Locale.ROOT)) ? Optional.empty()
                    : Optional.of(name + ": '" + value + "' is not a boolean (on or off)");
            case "enum" -> setting.choices().stream().anyMatch(c -> c.equalsIgnoreCase(value.strip())) ? Optional.empty()
                    : Optional.of(name + ": '" + value + "' is not one of " + String.join(", ", setting.choices()));
            case "integer", "real" -> numberProblem(name, value, setting);
            default -> Optional.empty();
        };
    }

    private static Optional<String> numberProblem(String name, String value, Setting setting) {
        Matcher m = NUMBER.matcher(value);
        if (!m.matches()) return Optional.of(name + ": '" + value + "' is not a number" + unitHint(setting));
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2);
        if (setting.vartype().equals("integer") && unit.isEmpty() && (m.group(1).contains(".") || m.group(1).matches(".*[eE].*"))) {
            return Optional.of(name + ": '" + value + "' is not a whole number");
        }
        OptionalDouble base = inBaseUnit(number, unit, setting.unit().orElse(""));
        if (base.isEmpty()) {
            return Optional.of(name + ": '" + unit + "' is not a unit it takes" + unitHint(setting));
        }
        double min = setting.minimum().map(Double::parseDouble).orElse(Double.NEGATIVE_INFINITY);
        double max = setting.maximum().map(Double::parseDouble).orElse(Double.POSITIVE_INFINITY);
        double v = setting.vartype().equals("integer") ? Math.rint(base.getAsDouble()) : base.getAsDouble();
        if (v < min || v > max) {
            String inUnits = setting.unit().map(u -> " (in units of " + u + ")").orElse("");
            return Optional.of(name + ": " + value + " is out of range: from " + setting.minimum().orElse("?") + " to "
                    + setting.maximum().orElse("?") + inUnits);
        }
        return Optional.empty();
    }

    /**
     * A setting's {@code value}, a number with a unit or without, in the setting's {@code base} unit ({@code 8kB} for
     * {@code shared_buffers}, as {@code pg_settings} names it); empty when it is no number, or its unit does not fit.
     */
    static OptionalDouble inBaseUnit(String value, String base) {
        Matcher m = NUMBER.matcher(value);
        return m.matches() ? inBaseUnit(Double.parseDouble(m.group(1)), m.group(2), base) : OptionalDouble.empty();
    }

    /** {@code number} of {@code unit} in the setting's {@code base} unit; empty when the unit does not fit it. */
    private static OptionalDouble inBaseUnit(double number, String unit, String base) {
        if (unit.isEmpty()) return OptionalDouble.of(number);
        Matcher b = Pattern.compile("(\\d*)(.*)").matcher(base);
        b.matches();
        double multiple = b.group(1).isEmpty() ? 1 : Double.parseDouble(b.group(1));
        String baseUnit = b.group(2);
        for (Map<String, Double> units : List.of(MEMORY_UNITS, TIME_UNITS)) {
            if (units.containsKey(unit) && units.containsKey(baseUnit)) {
                return OptionalDouble.of(number * units.get(unit) / (units.get(baseUnit) * multiple));
            }
        }
        return OptionalDouble.empty();
    }

    private static String unitHint(Setting setting) {
        return setting.unit().map(u -> MEMORY_UNITS.containsKey(u.replaceAll("^\\d+", ""))
                ? " (a number of " + u + ", or with a unit: B, kB, MB, GB, TB)"
                : " (a number of " + u + ", or with a unit: us, ms, s, min, h, d)").orElse("");
    }
}
