package dev.pgmanager.ebpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** A child cgroup of the cgroup2 root for one test, removed afterwards (its helper processes have exited by then). */
final class TestCgroup implements AutoCloseable {
    final Path path;

    TestCgroup() throws IOException, RewriterUnavailable {
        Path root = Mounts.read().firstOfType("cgroup2").orElseThrow(() -> new IOException("no cgroup2 mount"));
        path = Files.createDirectory(root.resolve("pgmanager-test-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(path);
    }
}
