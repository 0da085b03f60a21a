package dev.pgmanager.ebpf;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the rewriter pins its objects and which cgroup it attaches to.
 *
 * @param pinRoot the bpffs directory holding the pinned links and maps (default {@code /sys/fs/bpf/pgmanager})
 * @param cgroup the cgroup v2 directory whose processes are rewritten; empty: the cgroup2 mount's root, the machine
 */
public record RewriterSettings(Path pinRoot, Optional<Path> cgroup) {
    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf/pgmanager");

    public RewriterSettings {
        Objects.requireNonNull(pinRoot, "pinRoot");
        Objects.requireNonNull(cgroup, "cgroup");
    }

    /** The machine's root cgroup, pinned under {@code /sys/fs/bpf/pgmanager}. */
    public static RewriterSettings defaults() {
        return new RewriterSettings(DEFAULT_PIN_ROOT, Optional.empty());
    }

    public RewriterSettings withPinRoot(Path pinRoot) {
        return new RewriterSettings(pinRoot, cgroup);
    }

    public RewriterSettings withCgroup(Path cgroup) {
        return new RewriterSettings(pinRoot, Optional.of(cgroup));
    }
}
