package dev.pgmanager.ebpf;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the pinned programs are attached.
 *
 * @param pinRoot the bpffs directory holding the pins
 * @param cgroupId the kernel id of the cgroup the links are attached to (0 when the cgroup is gone)
 * @param cgroup that cgroup's directory, when it still exists
 * @param hooks the hooks with a pinned link, e.g. connect6
 */
public record RewriterAttachment(Path pinRoot, long cgroupId, Optional<Path> cgroup, java.util.List<String> hooks) {}
