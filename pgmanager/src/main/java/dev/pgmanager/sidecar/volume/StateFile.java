package dev.pgmanager.sidecar.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A short text file of pgmanager's in the state directory next to the data directory, on the member's volume: what a
 * member must still know after its sidecar restarts or its volume is forked, but that must not travel with the data
 * (pg_basebackup and pg_rewind copy the data directory).
 */
public final class StateFile {
    private final Path file;

    StateFile(Path stateDirectory, String name) {
        this.file = stateDirectory.resolve(name);
    }

    /** The text, stripped; empty when there is no file. */
    Optional<String> read() {
        try {
            if (!Files.exists(file)) return Optional.empty();
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Replaces the file in one step, so a crash mid-write never leaves half of the text. */
    void write(String text) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
            try {
                Files.writeString(temporary, text + "\n", StandardCharsets.UTF_8);
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    Path path() {
        return file;
    }
}
