package dev.pgmanager.platform;

import dev.pgmanager.ebpf.RewriterSettings;
import dev.pgmanager.ebpf.RewriterStatus;
import dev.pgmanager.ebpf.StaleAddressRewriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Where a local cluster's stale-address rewriter lives: a pin directory and a cgroup of its own, named after the
 * cluster's directory, so clusters side by side never share (or fight over) one rewriter.
 *
 * <p>All members of a local cluster run on one kernel, where on a real platform each machine has its own. So exactly
 * one member, the first in {@code cluster.json}, manages the rewriter (the others run with it disabled): every member
 * would compute the same entries from the same address history, and one writer is enough and cannot race another. Its
 * programs are attached to the cluster's own cgroup, not to the whole machine, so only clients started in that cgroup
 * are rewritten and pgmanager's own processes (which never need it) see the real network. Members with IPv6 addresses
 * (as root) get IPv6 entries, rewritten by the v6 hooks; 127.x.y.z members get IPv4 entries and the v4 hooks.
 */
final class LocalRewriterScope {
    private static final Path BPF_ROOT = Path.of("/sys/fs/bpf");

    private final String name;

    private LocalRewriterScope(String name) {
        this.name = name;
    }

    static LocalRewriterScope of(Path clusterDir) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(clusterDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return new LocalRewriterScope("pgmanager-local-" + HexFormat.of().formatHex(digest, 0, 6));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The scope's name: {@code pgmanager-local-} and a hash of the cluster's directory. */
    String name() {
        return name;
    }

    Path pinRoot() {
        return BPF_ROOT.resolve(name);
    }

    /** The cluster's cgroup, under the cgroup2 mount; empty when there is none (then the rewriter is off anyway). */
    Optional<Path> cgroup() {
        return cgroup2Mount().map(mount -> mount.resolve(name));
    }

    /** Creates the cgroup when it can (as root); without it the managing member reports its rewriter off, with why. */
    void prepare() {
        cgroup().ifPresent(cgroup -> {
            try {
                if (!Files.isDirectory(cgroup)) Files.createDirectory(cgroup);
            } catch (IOException | RuntimeException notPermitted) {
                // reported by the member: the rewriter cannot attach to a cgroup that does not exist
            }
        });
    }

    /** Detaches the rewriter and removes its pins and its cgroup; run after every member stopped. */
    void tearDown() {
        if (Files.isDirectory(pinRoot())) {
            try {
                switch (StaleAddressRewriter.openPinned(new RewriterSettings(pinRoot(), Optional.empty()))) {
                    case RewriterStatus.Running running -> running.rewriter().detach();
                    case RewriterStatus.Off off -> deleteQuietly(pinRoot());
                }
            } catch (RuntimeException e) {
                System.err.println("could not detach the rewriter pinned under " + pinRoot() + ": " + e.getMessage()
                        + " (pgmanager rewrite detach --pin-root " + pinRoot() + ")");
            }
        }
        cgroup().ifPresent(LocalRewriterScope::deleteQuietly);
    }

    /** An empty pin directory or cgroup; a cgroup with processes still inside stays (rmdir refuses). */
    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException | RuntimeException e) {
            // left for the operator; nothing depends on it
        }
    }

    static Optional<Path> cgroup2Mount() {
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .map(line -> line.split(" "))
                    .filter(fields -> fields.length > 2 && fields[2].equals("cgroup2"))
                    .map(fields -> Path.of(fields[1].replace("\\040", " ")))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
