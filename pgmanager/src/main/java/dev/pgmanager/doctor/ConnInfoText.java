package dev.pgmanager.doctor;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a libpq keyword/value connection string ({@code host=a port=5433 passfile='/x y'}) into its settings. */
final class ConnInfoText {
    private ConnInfoText() {}

    static Map<String, String> parse(String conninfo) {
        Map<String, String> settings = new LinkedHashMap<>();
        int i = 0;
        int n = conninfo.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(conninfo.charAt(i))) i++;
            int eq = conninfo.indexOf('=', i);
            if (i >= n || eq < 0) break;
            String key = conninfo.substring(i, eq).strip();
            i = eq + 1;
            while (i < n && Character.isWhitespace(conninfo.charAt(i))) i++;
            StringBuilder value = new StringBuilder();
            if (i < n && conninfo.charAt(i) == '\'') {
                i++;
                while (i < n && conninfo.charAt(i) != '\'') {
                    if (conninfo.charAt(i) == '\\' && i + 1 < n) i++;
                    value.append(conninfo.charAt(i++));
                }
                i++;
            } else {
                while (i < n && !Character.isWhitespace(conninfo.charAt(i))) {
                    if (conninfo.charAt(i) == '\\' && i + 1 < n) i++;
                    value.append(conninfo.charAt(i++));
                }
            }
            settings.put(key, value.toString());
        }
        return settings;
    }
}
