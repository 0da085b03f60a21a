package dev.pgmanager.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Columns aligned with spaces, for terminals; the last column is not padded so lines carry no trailing blanks. */
final class TextTable {
    private static final String GAP = "  ";

    private final List<List<String>> lines = new ArrayList<>();

    TextTable(String... headers) {
        lines.add(List.of(headers));
    }

    /** Adds a row; {@code null} cells print as {@code -}. */
    TextTable row(Object... cells) {
        if (cells.length != lines.getFirst().size()) {
            throw new IllegalArgumentException("a row needs " + lines.getFirst().size() + " cells, got " + cells.length);
        }
        lines.add(Arrays.stream(cells).map(cell -> cell == null ? "-" : cell.toString()).toList());
        return this;
    }

    void print(PrintWriter out) {
        int columns = lines.getFirst().size();
        int[] widths = new int[columns];
        for (List<String> line : lines) {
            for (int i = 0; i < columns; i++) widths[i] = Math.max(widths[i], line.get(i).length());
        }
        for (List<String> line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                if (i > 0) text.append(GAP);
                text.append(i == columns - 1 ? line.get(i) : pad(line.get(i), widths[i]));
            }
            out.println(text.toString().stripTrailing());
        }
        out.flush();
    }

    private static String pad(String cell, int width) {
        return cell + " ".repeat(width - cell.length());
    }
}
