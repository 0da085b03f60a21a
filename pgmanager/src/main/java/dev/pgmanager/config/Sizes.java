package dev.pgmanager.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte sizes written the way PostgreSQL writes them ({@code 512kB}, {@code 16MB}, {@code 1GB}), with
 * 1024-based units as PostgreSQL uses. Unit case is not significant: {@code 16mb} means what the operator meant.
 */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb|tb)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /**
     * @param text a whole number with an optional unit; a bare number is bytes
     * @return the size in bytes
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static long parseBytes(String text) {
        Matcher matcher = SIZE.matcher(text.strip());
        if (!matcher.matches()) {
            throw notASize(text);
        }
        String unit = matcher.group(2) == null ? "b" : matcher.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "b" -> 0;
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            case "tb" -> 40;
            default -> throw new IllegalStateException("unit " + unit + " matched but not handled");
        };
        try {
            return Math.multiplyExact(Long.parseLong(matcher.group(1)), 1L << shift);
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            throw notASize(text);
        }
    }

    private static IllegalArgumentException notASize(String text) {
        return new IllegalArgumentException(ShownValue.of(text) + " is not a size (use 512kB, 16MB, 1GB or a number of bytes)");
    }
}
