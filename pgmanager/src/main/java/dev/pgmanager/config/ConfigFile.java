package dev.pgmanager.config;

import java.util.Map;

/**
 * The settings read from a config file, flattened to dotted keys ({@code postgres.port}) whatever the format.
 *
 * @param name     how messages refer to the file (its path)
 * @param settings key to text
 */
record ConfigFile(String name, Map<String, String> settings) {
    static final ConfigFile NONE = new ConfigFile("(no config file)", Map.of());

    ConfigFile {
        settings = Map.copyOf(settings);
    }
}
