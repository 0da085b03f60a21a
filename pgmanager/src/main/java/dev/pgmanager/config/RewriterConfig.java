package dev.pgmanager.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The stale-address rewriter's settings. The rewriter is a stop-gap for other software on the machine; nothing in the
 * sidecar depends on it.
 *
 * @param enabled        whether the sidecar attaches the rewriter and keeps its entries equal to the address history
 * @param cgroup         the cgroup v2 directory whose processes are rewritten; empty: the cgroup2 root (the machine)
 * @param pinRoot        the bpffs directory holding the pinned programs and maps
 * @param retention      an old address last seen longer ago than this is no longer rewritten
 * @param reportInterval how often the same process dialing the same old address is logged again
 */
public record RewriterConfig(boolean enabled, Optional<Path> cgroup, Path pinRoot, Duration retention,
                             Duration reportInterval) {
    public RewriterConfig {
        Objects.requireNonNull(cgroup, "cgroup");
        Objects.requireNonNull(pinRoot, "pinRoot");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(reportInterval, "reportInterval");
    }
}
