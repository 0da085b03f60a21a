package dev.pgmanager.api;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Room on the file system that holds the data directory, for {@code GET /member}: a full volume stops PostgreSQL
 * (and its WAL, which slots may hold back, grows there).
 *
 * @param path the data directory
 * @param freeBytes bytes a non-root process may still use
 * @param totalBytes the file system's size
 */
public record DiskSpace(String path, long freeBytes, long totalBytes) {

    /** The space of the file system holding {@code dataDir} (or its nearest existing parent); empty when unreadable. */
    public static Optional<DiskSpace> of(Path dataDir) {
        Path probe = dataDir.toAbsolutePath();
        while (probe != null && !Files.exists(probe)) probe = probe.getParent();
        if (probe == null) return Optional.empty();
        try {
            FileStore store = Files.getFileStore(probe);
            return Optional.of(new DiskSpace(dataDir.toString(), store.getUsableSpace(), store.getTotalSpace()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
