package dev.pgmanager.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The value of every option, taken from the environment (first variable set wins), else the config file, else
 * the default, and parsed. Problems are added to the caller's list rather than thrown, so all are reported at once.
 */
final class ResolvedSettings {
    private final Map<ConfigOption<?>, Object> values = new HashMap<>();
    /** Whether a missing setting may be written in a config file: not for a tool that reads the environment only. */
    private final boolean suggestsConfigFile;

    private ResolvedSettings(boolean suggestsConfigFile) {
        this.suggestsConfigFile = suggestsConfigFile;
    }

    /** Where a setting's text came from, as a message ends: "; set by FLY_REGION". */
    private record RawSetting(String text, String origin) {}

    static ResolvedSettings resolve(List<ConfigOption<?>> options, ConfigFile file, Map<String, String> environment,
                                    List<String> problems) {
        return resolve(options, file, environment, problems, true);
    }

    /** As the sidecar reads them without a config file, for a tool that takes the sidecar's settings from its environment. */
    static ResolvedSettings resolveFromEnvironment(List<ConfigOption<?>> options, Map<String, String> environment,
                                                   List<String> problems) {
        return resolve(options, ConfigFile.NONE, environment, problems, false);
    }

    private static ResolvedSettings resolve(List<ConfigOption<?>> options, ConfigFile file, Map<String, String> environment,
                                            List<String> problems, boolean suggestsConfigFile) {
        ResolvedSettings settings = new ResolvedSettings(suggestsConfigFile);
        for (ConfigOption<?> option : options) {
            settings.resolveOne(option, file, environment, problems);
        }
        return settings;
    }

    /** The value of an option that is required or has a default; only call when resolving reported no problem. */
    <T> T get(ConfigOption<T> option) {
        return find(option).orElseThrow(() -> new IllegalStateException(option.key() + " was not resolved"));
    }

    /** The value of an option, if it was set (or defaulted) and valid. */
    @SuppressWarnings("unchecked") // values holds only what the option's own parser returned
    <T> Optional<T> find(ConfigOption<T> option) {
        return Optional.ofNullable((T) values.get(option));
    }

    private <T> void resolveOne(ConfigOption<T> option, ConfigFile file, Map<String, String> environment,
                                List<String> problems) {
        Optional<RawSetting> raw = fromEnvironment(option, environment, problems)
                .or(() -> fromFile(option, file))
                .or(() -> option.defaultValue().map(text -> new RawSetting(text, "by default")));
        if (raw.isEmpty()) {
            if (option.presence() == ConfigOption.Presence.REQUIRED) {
                problems.add(missing(option));
            }
            return;
        }
        String text = option.secret() ? raw.get().text() : raw.get().text().strip();
        try {
            values.put(option, option.parser().apply(text));
        } catch (IllegalArgumentException invalid) {
            String why = option.secret() ? "the value is not accepted" : invalid.getMessage();
            problems.add(option.key() + ": " + why + "; set " + raw.get().origin());
        }
    }

    /**
     * Unset and empty variables alike leave the option to the file, so {@code FOO=} cannot blank a setting. A secret may
     * also come from the file that {@code FOO_FILE} names (see {@link SecretFiles}).
     */
    private static Optional<RawSetting> fromEnvironment(ConfigOption<?> option, Map<String, String> environment,
                                                        List<String> problems) {
        for (String variable : option.environmentVariables()) {
            String text = environment.get(variable);
            if (text != null && !text.isBlank()) {
                return Optional.of(new RawSetting(text, "by " + variable));
            }
            if (!option.secret()) continue;
            try {
                Optional<String> fromFile = SecretFiles.read(environment, variable);
                if (fromFile.isPresent()) return Optional.of(new RawSetting(fromFile.get(), "by " + variable + SecretFiles.SUFFIX));
            } catch (IllegalArgumentException unreadable) {
                problems.add(option.key() + ": " + unreadable.getMessage());
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<RawSetting> fromFile(ConfigOption<?> option, ConfigFile file) {
        return Optional.ofNullable(file.settings().get(option.key()))
                .filter(text -> !text.isBlank())
                .map(text -> new RawSetting(text, "in " + file.name()));
    }

    private String missing(ConfigOption<?> option) {
        List<String> ways = new ArrayList<>();
        if (!option.environmentVariables().isEmpty()) {
            String files = option.secret() ? " (or a file holding it, named by " + option.environmentVariables().getFirst()
                    + SecretFiles.SUFFIX + ")" : "";
            ways.add(either(option.environmentVariables()) + files);
        }
        if (suggestsConfigFile) ways.add(option.key() + " in the config file");
        return option.key() + " is missing: set " + String.join(", or ", ways);
    }

    /** "A", "A or B", "A, B or C". */
    private static String either(List<String> names) {
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}
