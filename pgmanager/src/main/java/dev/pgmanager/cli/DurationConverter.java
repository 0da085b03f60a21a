package dev.pgmanager.cli;

import dev.pgmanager.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Reads durations on the command line as the configuration file does: {@code 500ms}, {@code 2s}, {@code 1m}. */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return Durations.parse(value);
    }
}
