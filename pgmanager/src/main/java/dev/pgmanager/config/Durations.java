package dev.pgmanager.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as operators write them in configuration: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 7d}. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private Durations() {}

    /**
     * @param text a whole number with an optional unit; a bare number is milliseconds, as in PostgreSQL
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static Duration parse(String text) {
        Matcher matcher = DURATION.matcher(text.strip());
        if (!matcher.matches()) {
            throw notADuration(text);
        }
        try {
            long amount = Long.parseLong(matcher.group(1));
            String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> throw new IllegalStateException("unit " + unit + " matched but not handled");
            };
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            throw notADuration(text);
        }
    }

    /**
     * An age as an operator reads it, in whole units with at least two of each so that little is lost to rounding:
     * {@code 45s}, {@code 90s}, {@code 12m}, {@code 40h}, {@code 3d}; a negative one (a clock behind another) as {@code 0s}.
     */
    public static String roughly(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 120) return seconds + "s";
        if (seconds < 2 * 3600) return seconds / 60 + "m";
        if (seconds < 2 * 86400) return seconds / 3600 + "h";
        return seconds / 86400 + "d";
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException(ShownValue.of(text) + " is not a duration (use 500ms, 2s, 1m, 1h, 7d)");
    }
}
