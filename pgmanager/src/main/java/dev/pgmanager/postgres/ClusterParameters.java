package dev.pgmanager.postgres;

import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.Versioned;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The server parameters of the whole cluster: kept in the store's spec, checked against a running server before they
 * are stored, and applied by every member on its next pass (a reload; settings that need a restart wait for one, and
 * each member reports them as pending). The engine behind {@code pgmanager config} and {@code fly pg config update}.
 */
public final class ClusterParameters {
    private static final int ATTEMPTS = 5;

    private final ClusterStore store;

    public ClusterParameters(ClusterStore store) {
        this.store = store;
    }

    /**
     * What a change did.
     *
     * @param parameters the cluster's parameters now
     * @param changed the names whose value changed (or that were removed)
     * @param needRestart of those, the ones a server applies only when it restarts
     */
    public record Change(Map<String, String> parameters, List<String> changed, List<String> needRestart) {}

    /** The cluster's parameters as stored now. */
    public Map<String, String> current() {
        return store.read().spec().value().parameters();
    }

    /**
     * Sets {@code changes} (an empty value removes the parameter, so that the server's default applies again), after
     * checking every one of them on {@code server}, a running member's PostgreSQL.
     *
     * @throws IllegalArgumentException listing every problem; nothing was stored
     */
    public Change set(Map<String, String> changes, Connection server) throws SQLException {
        return replace(current -> {
            Map<String, String> next = new TreeMap<>(current);
            changes.forEach((name, value) -> {
                if (value.isEmpty()) next.remove(name);
                else next.put(name, value);
            });
            return next;
        }, server);
    }

    /** Replaces the whole set with {@code parameters} (as {@code config edit} does), checked as {@link #set} checks. */
    public Change replaceAll(Map<String, String> parameters, Connection server) throws SQLException {
        return replace(current -> new TreeMap<>(parameters), server);
    }

    private Change replace(java.util.function.UnaryOperator<Map<String, String>> edit, Connection server) throws SQLException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Versioned<ClusterSpec> spec = store.read().spec();
            Map<String, String> current = spec.value().parameters();
            Map<String, String> next = edit.apply(current);
            Map<String, String> added = new LinkedHashMap<>(next);
            added.entrySet().removeIf(e -> e.getValue().equals(current.get(e.getKey())));
            Map<String, ParameterCheck.Setting> known = ParameterCheck.describe(server, List.copyOf(added.keySet()));
            List<String> problems = ParameterCheck.problems(added, known);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems) + " (nothing was changed)");
            }
            List<String> changed = new ArrayList<>(added.keySet());
            current.keySet().stream().filter(name -> !next.containsKey(name)).forEach(changed::add);
            if (changed.isEmpty()) return new Change(current, List.of(), List.of());
            Map<String, ParameterCheck.Setting> all = ParameterCheck.describe(server, changed);
            List<String> needRestart = changed.stream()
                    .filter(name -> Optional.ofNullable(all.get(name)).map(ParameterCheck.Setting::needsRestart).orElse(false))
                    .toList();
            try {
                store.compareAndSetSpec(spec.value().withParameters(next), spec.version());
                return new Change(Map.copyOf(next), List.copyOf(changed), needRestart);
            } catch (StaleVersionException e) {
                // someone else changed the spec meanwhile: read it again and redo the change on top
            }
        }
        throw new IllegalStateException("the cluster's spec kept changing while the parameters were being stored; try again");
    }
}
