package dev.pgmanager.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One setting: its key in the config file, the environment variables that override it (first set wins), what
 * happens when nobody sets it, and how its text becomes a value.
 *
 * @param defaultValue written as an operator would write it, and parsed like their value, so the documented
 *                     default and the applied one cannot drift apart
 * @param secret       whether the value must be kept out of messages and {@code toString()}
 * @param parser       turns text into a value, or throws {@link IllegalArgumentException} saying why it cannot
 */
record ConfigOption<T>(String key, List<String> environmentVariables, Presence presence, Optional<String> defaultValue,
                       boolean secret, Function<String, T> parser) {

    enum Presence { REQUIRED, OPTIONAL, DEFAULTED }

    ConfigOption {
        Objects.requireNonNull(key, "key");
        environmentVariables = List.copyOf(environmentVariables);
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(parser, "parser");
        if (defaultValue.isPresent() != (presence == Presence.DEFAULTED)) {
            throw new IllegalArgumentException(key + ": only a defaulted option has a default value");
        }
    }

    static <T> ConfigOption<T> required(String key, Function<String, T> parser, String... environmentVariables) {
        return new ConfigOption<>(key, List.of(environmentVariables), Presence.REQUIRED, Optional.empty(), false, parser);
    }

    static <T> ConfigOption<T> optional(String key, Function<String, T> parser, String... environmentVariables) {
        return new ConfigOption<>(key, List.of(environmentVariables), Presence.OPTIONAL, Optional.empty(), false, parser);
    }

    static <T> ConfigOption<T> withDefault(String key, String defaultValue, Function<String, T> parser,
                                           String... environmentVariables) {
        return new ConfigOption<>(key, List.of(environmentVariables), Presence.DEFAULTED, Optional.of(defaultValue),
                false, parser);
    }

    ConfigOption<T> asSecret() {
        return new ConfigOption<>(key, environmentVariables, presence, defaultValue, true, parser);
    }
}
