package dev.pgmanager.config;

import java.util.regex.Pattern;

/** How a rejected value appears in an error message. */
final class ShownValue {
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");

    private ShownValue() {}

    /** Numbers stand bare; anything else is quoted so that empty values and stray spaces are visible. */
    static String of(String raw) {
        return INTEGER.matcher(raw).matches() ? raw : '"' + raw + '"';
    }
}
