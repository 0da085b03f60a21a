package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.CommandExtension;
import java.util.List;

/** Adds the local platform's commands, {@code local} and {@code bench}, to the {@code pgmanager} command line. */
public final class PlatformCommands implements CommandExtension {
    @Override
    public List<Object> commands() {
        return List.of(new LocalCommand(), new BenchCommand());
    }
}
