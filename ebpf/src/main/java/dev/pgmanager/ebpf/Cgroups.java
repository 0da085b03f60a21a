package dev.pgmanager.ebpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/** Cgroup v2 directories: the machine's root one, checking a requested one, and naming one by its kernel id. */
final class Cgroups {
    private Cgroups() {}

    /** The requested cgroup directory, or the cgroup2 mount's root (the whole machine) when none is requested. */
    static Path resolve(Optional<Path> requested, Mounts mounts) throws RewriterUnavailable {
        Path root = mounts.firstOfType("cgroup2").orElseThrow(() -> new RewriterUnavailable(
                "no cgroup2 filesystem is mounted (none in /proc/mounts): the programs attach to a cgroup v2 directory"));
        if (requested.isEmpty()) {
            return root;
        }
        Path cgroup = requested.get().toAbsolutePath().normalize();
        boolean onCgroup2 = mounts.holding(cgroup).map(m -> m.type().equals("cgroup2")).orElse(false);
        if (!onCgroup2 || !Files.isRegularFile(cgroup.resolve("cgroup.procs"))) {
            throw new RewriterUnavailable(cgroup + " is not a cgroup v2 directory (the cgroup2 filesystem is at " + root + ")");
        }
        return cgroup;
    }

    /** The kernel's id of a cgroup (what BPF link info reports), which on cgroup2 is its directory's inode number. */
    static long id(Path cgroup) {
        try {
            return (Long) Files.getAttribute(cgroup, "unix:ino");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory of the cgroup with this id under the cgroup2 mount, if it still exists. */
    static Optional<Path> findById(long id, Mounts mounts) {
        Optional<Path> root = mounts.firstOfType("cgroup2");
        if (root.isEmpty() || id == 0) {
            return Optional.empty();
        }
        // Other cgroups come and go meanwhile (a container's, another test's): one removed under the walk is skipped,
        // not the end of the search (Files.walk gave up on the first, and the message then named only the id)
        Path[] found = new Path[1];
        try {
            Files.walkFileTree(root.get(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                    if (idOrZero(directory) != id) return FileVisitResult.CONTINUE;
                    found[0] = directory;
                    return FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path path, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(found[0]);
    }

    private static long idOrZero(Path directory) {
        try {
            return id(directory);
        } catch (UncheckedIOException e) {
            return 0;
        }
    }
}
