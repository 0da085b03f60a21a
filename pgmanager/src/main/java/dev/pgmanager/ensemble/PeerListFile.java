package dev.pgmanager.ensemble;

import dev.pgmanager.store.zookeeper.EnsembleConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The ensemble's peer list on this machine's volume, in ZooKeeper's dynamic-configuration form (names, never
 * addresses): what a peer starts its server with after a restart or a migration. Written whole or not at all.
 */
public final class PeerListFile {
    private final Path file;

    public PeerListFile(Path dataDir) {
        this.file = dataDir.resolve("peers.cfg");
    }

    Path path() {
        return file;
    }

    public Optional<EnsembleConfig> read() {
        if (!Files.exists(file)) return Optional.empty();
        try {
            EnsembleConfig config = EnsembleConfig.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (config.isEmpty()) throw new IllegalStateException("the peer list " + file + " names no peer; restore it or remove it");
            return Optional.of(config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the peer list " + file, e);
        }
    }

    void write(EnsembleConfig config) {
        try {
            Files.createDirectories(file.getParent());
            // Created owner-only (a temporary file's permissions), like every state file of the sidecar.
            Path next = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".next");
            try {
                Files.writeString(next, config.format(), StandardCharsets.UTF_8);
                Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(next);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the peer list " + file, e);
        }
    }
}
