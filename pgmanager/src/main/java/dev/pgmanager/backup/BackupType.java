package dev.pgmanager.backup;

import java.util.Locale;

/** A base backup's kind: all files, or those changed since the last full backup, or since the last backup of any kind. */
public enum BackupType {
    FULL("full"), DIFFERENTIAL("diff"), INCREMENTAL("incr");

    private final String pgBackRestName;

    BackupType(String pgBackRestName) {
        this.pgBackRestName = pgBackRestName;
    }

    String pgBackRestName() {
        return pgBackRestName;
    }

    /** {@code full}, {@code diff}/{@code differential} or {@code incr}/{@code incremental}. */
    public static BackupType parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "full" -> FULL;
            case "diff", "differential" -> DIFFERENTIAL;
            case "incr", "incremental" -> INCREMENTAL;
            default -> throw new IllegalArgumentException("'" + text + "' is not a backup type (full, diff or incr)");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
