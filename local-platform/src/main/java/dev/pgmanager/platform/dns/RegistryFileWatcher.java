package dev.pgmanager.platform.dns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a {@link RegistryFile} and hands every new version to its consumer. Polling, not a WatchService: it sees
 * atomic replacements (a new inode) reliably on every file system, and 200 ms is quick enough for a test cluster.
 */
final class RegistryFileWatcher implements AutoCloseable {

    static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private static final Logger log = LoggerFactory.getLogger(RegistryFileWatcher.class);

    private final Path file;
    private final Consumer<LocalZone> onChange;
    private final Thread poller;
    private Stamp loaded;

    /** Loads the file once before returning, so that a missing or broken file fails the caller. */
    static RegistryFileWatcher start(Path file, Consumer<LocalZone> onChange) throws IOException {
        RegistryFileWatcher watcher = new RegistryFileWatcher(file, onChange);
        watcher.loaded = Stamp.of(file);
        onChange.accept(load(file));
        watcher.poller.start();
        return watcher;
    }

    private RegistryFileWatcher(Path file, Consumer<LocalZone> onChange) {
        this.file = file;
        this.onChange = onChange;
        this.poller = Thread.ofVirtual().name("dns-registry-watch").unstarted(this::pollUntilClosed);
    }

    private void pollUntilClosed() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(POLL_INTERVAL);
                reloadIfChanged();
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private void reloadIfChanged() {
        Stamp current;
        try {
            current = Stamp.of(file);
        } catch (IOException e) {
            return; // being replaced, or removed: keep serving what we have
        }
        if (current.equals(loaded)) {
            return;
        }
        loaded = current;
        try {
            onChange.accept(load(file));
            log.info("reloaded the DNS registry from {}", file);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("keeping the previous DNS registry: cannot use {}: {}", file, e.getMessage());
        }
    }

    private static LocalZone load(Path file) throws IOException {
        return RegistryFile.read(file).toZone();
    }

    @Override
    public void close() {
        poller.interrupt();
        try {
            poller.join(POLL_INTERVAL.multipliedBy(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What tells one version of the file from the next: a rename brings a new file key, an edit a new mtime. */
    private record Stamp(FileTime modified, Object fileKey, long size) {

        static Stamp of(Path file) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            Object fileKey = Objects.requireNonNullElse(attributes.fileKey(), "");
            return new Stamp(attributes.lastModifiedTime(), fileKey, attributes.size());
        }
    }
}
