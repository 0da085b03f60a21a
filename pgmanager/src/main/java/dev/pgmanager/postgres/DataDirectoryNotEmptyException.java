package dev.pgmanager.postgres;

import java.nio.file.Path;

/** Refusal to create or clone a cluster into a directory that already holds something. */
public final class DataDirectoryNotEmptyException extends PostgresException {
    private final Path dataDirectory;

    public DataDirectoryNotEmptyException(Path dataDirectory, String found) {
        super("refusing to write a new cluster into " + dataDirectory + ": it is not empty (" + found
                + "); move it aside explicitly if its contents are no longer wanted");
        this.dataDirectory = dataDirectory;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }
}
