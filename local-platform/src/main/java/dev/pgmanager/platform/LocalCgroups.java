package dev.pgmanager.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A cgroup (v2) of its own for each member of a local cluster, as root: on one kernel the members' processes are
 * otherwise indistinguishable (the same users, and on the loopback device a connection's source address is its
 * destination), so a fault injector can tell a member's traffic apart only by its cgroup ({@code ip6tables -m cgroup
 * --path}). A member's sidecar enters its cgroup before it starts, so every socket and child (PostgreSQL, its guard,
 * pg_rewind) is in it from the first moment. The cgroups sit apart from the rewriter's ({@link LocalRewriterScope}),
 * whose clients are rewritten: members are not.
 */
final class LocalCgroups {
    private final String parentName;

    private LocalCgroups(String parentName) {
        this.parentName = parentName;
    }

    static LocalCgroups of(Path clusterDir) {
        return new LocalCgroups(LocalRewriterScope.of(clusterDir).name() + "-members");
    }

    /** The member's cgroup, created when it can be (root, a cgroup2 mount); empty otherwise, and nothing depends on it. */
    Optional<Path> prepare(String machineId) {
        if (!LoopbackAddresses.canManage()) return Optional.empty();
        return LocalRewriterScope.cgroup2Mount().flatMap(mount -> {
            Path cgroup = mount.resolve(parentName).resolve(machineId);
            try {
                Files.createDirectories(cgroup);
                return Optional.of(cgroup);
            } catch (IOException | RuntimeException notPermitted) {
                return Optional.empty();
            }
        });
    }

    /** The member's cgroup relative to the cgroup2 root, as {@code -m cgroup --path} wants it; empty when it has none. */
    Optional<String> relativePath(String machineId) {
        return LocalRewriterScope.cgroup2Mount()
                .filter(mount -> Files.isDirectory(mount.resolve(parentName).resolve(machineId)))
                .map(mount -> parentName + "/" + machineId);
    }

    /** Removes the members' cgroups; run after every member stopped (a cgroup with processes inside stays). */
    void tearDown() {
        LocalRewriterScope.cgroup2Mount().map(mount -> mount.resolve(parentName)).filter(Files::isDirectory).ifPresent(parent -> {
            try (Stream<Path> members = Files.list(parent)) {
                for (Path member : members.filter(Files::isDirectory).toList()) Files.deleteIfExists(member);
                Files.deleteIfExists(parent);
            } catch (IOException | RuntimeException e) {
                // left for the operator: a process still inside (rmdir refuses), nothing depends on it
            }
        });
    }
}
