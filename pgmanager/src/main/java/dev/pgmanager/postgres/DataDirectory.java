package dev.pgmanager.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of one cluster (PGDATA) and the guards around them. Nothing here deletes data on its own: a
 * directory that is in the way can only be moved aside, under a new name, for an operator to inspect; only an
 * operator's explicit request ({@code pgmanager reinit --discard-old}) deletes such a moved-aside copy.
 */
final class DataDirectory {
    private static final DateTimeFormatter ASIDE_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path path;

    DataDirectory(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    Path path() {
        return path;
    }

    Path file(String name) {
        return path.resolve(name);
    }

    DataDirectoryState state() {
        if (!Files.exists(path)) return DataDirectoryState.EMPTY;
        if (holdsCluster()) return DataDirectoryState.CLUSTER;
        return Files.isDirectory(path) && entries().isEmpty() ? DataDirectoryState.EMPTY : DataDirectoryState.FOREIGN;
    }

    boolean holdsCluster() {
        return Files.isRegularFile(file("PG_VERSION"));
    }

    /**
     * The hard guard before anything writes a new cluster here (initdb, base backup): the directory must
     * be missing or empty. initdb and pg_basebackup check this too, but we do not leave a rule that
     * protects data to the implementation of a tool.
     */
    void requireEmptyOrMissing() {
        if (!Files.exists(path)) {
            return;
        }
        if (!Files.isDirectory(path)) {
            throw new DataDirectoryNotEmptyException(path, "it is a file, not a directory");
        }
        if (holdsCluster()) {
            throw new DataDirectoryNotEmptyException(path,
                    "it holds a PostgreSQL " + readPgVersion() + " cluster: PG_VERSION is present");
        }
        List<String> entries = entries();
        if (!entries.isEmpty()) {
            throw new DataDirectoryNotEmptyException(path, entries.size() + " entries, among them "
                    + String.join(", ", entries.subList(0, Math.min(5, entries.size()))));
        }
    }

    void requireCluster() {
        if (!holdsCluster()) {
            throw new PostgresException("no PostgreSQL cluster in " + path + " (PG_VERSION missing): initdb or clone first");
        }
    }

    boolean isStandby() {
        return Files.exists(file("standby.signal"));
    }

    /** Renames the directory to {@code <name>.aside-<UTC time>} next to it and returns the new path. */
    Path moveAside() {
        Path target = path.resolveSibling(path.getFileName() + ".aside-" + ASIDE_STAMP.format(Instant.now()));
        try {
            return Files.move(path, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + path + " aside to " + target, e);
        }
    }

    /**
     * Deletes a copy {@link #moveAside} made, and nothing else: {@code aside} must be a sibling named
     * {@code <name>.aside-...}, so that no mistake can point this at the live directory or anywhere outside.
     */
    void deleteMovedAside(Path aside) {
        Path normalized = aside.toAbsolutePath().normalize();
        if (!normalized.getParent().equals(path.getParent())
                || !normalized.getFileName().toString().startsWith(path.getFileName() + ".aside-")) {
            throw new IllegalArgumentException("refusing to delete " + aside + ": not a copy of " + path + " moved aside");
        }
        try (Stream<Path> tree = Files.walk(normalized)) {
            for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + normalized + " completely", e);
        }
    }

    private String readPgVersion() {
        try {
            return Files.readString(file("PG_VERSION"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(unreadable PG_VERSION)";
        }
    }

    private List<String> entries() {
        try (Stream<Path> children = Files.list(path)) {
            return children.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path, e);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
