package dev.pgmanager.api;

import java.util.Objects;
import java.util.Optional;

/**
 * What the stale-address rewriter is doing, for {@code GET /member}.
 *
 * @param on        whether the programs are attached and the sidecar keeps their entries
 * @param reason    why it is off (empty when on)
 * @param entries   entries in the map (0 when off)
 * @param hits      connects and datagrams rewritten through the current entries (0 when off)
 * @param staleUses rewrites this sidecar saw reported since it started, repeats included
 */
public record RewriterReport(boolean on, Optional<String> reason, int entries, long hits, long staleUses) {
    public RewriterReport {
        Objects.requireNonNull(reason, "reason");
    }

    public static RewriterReport off(String reason, long staleUses) {
        return new RewriterReport(false, Optional.of(reason), 0, 0, staleUses);
    }
}
