package dev.pgmanager.sidecar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The address this machine had when it last started, kept on its volume (in the state directory next to the data
 * directory). A platform migration forks the volume and starts the machine with a new address, so comparing the two
 * on start is how a member learns that it was moved. Never read to connect to anything.
 */
final class LastAddressOnVolume {
    static final String FILE_NAME = "last-address";

    private final Path file;

    LastAddressOnVolume(Path stateDirectory) {
        this.file = stateDirectory.resolve(FILE_NAME);
    }

    Optional<String> read() {
        try {
            if (!Files.exists(file)) return Optional.empty();
            String address = Files.readString(file, StandardCharsets.UTF_8).strip();
            return address.isEmpty() ? Optional.empty() : Optional.of(address);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Replaces the record in one step, so a crash mid-write never leaves half an address. */
    void write(String address) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(file.getParent(), FILE_NAME + ".", ".tmp");
            try {
                Files.writeString(temporary, address + "\n", StandardCharsets.UTF_8);
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    Path file() {
        return file;
    }
}
