package dev.pgmanager.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** A libpq key/value connection string, each value quoted so that spaces or quotes cannot break it. */
final class ConnInfo {
    private final Map<String, String> parameters = new LinkedHashMap<>();

    ConnInfo with(String key, String value) {
        parameters.put(key, value);
        return this;
    }

    @Override
    public String toString() {
        return parameters.entrySet().stream()
                .map(e -> e.getKey() + "=" + quote(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
