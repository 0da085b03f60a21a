package dev.pgmanager.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgmanager.store.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * The volume of each member's data directory has room: a full one stops PostgreSQL, and held WAL grows there; past
 * {@code disk.read_only_at} its sidecar has made user sessions read-only.
 */
final class DiskCheck implements Check {
    static final double WARNING_FREE = 0.10;
    static final double CRITICAL_FREE = 0.05;
    private static final long GIB = 1024L * 1024 * 1024;

    @Override
    public String name() {
        return "disk";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        for (MemberFacts m : facts.members().values()) {
            JsonNode disk = m.api().map(api -> api.path("data_directory")).orElse(null);
            if (disk == null || !disk.isObject()) continue;
            String id = m.machineId().value();
            String path = disk.path("path").asText();
            long free = disk.path("free_bytes").asLong();
            long total = disk.path("total_bytes").asLong();
            if (total <= 0) continue;
            double share = (double) free / total;
            String text = id + ": " + gib(free) + " free of " + gib(total) + " (" + Math.round(share * 100) + "%) on the "
                    + "volume of " + path;
            String fix = facts.fixes().localDir().isPresent()
                    ? "free space on the file system of " + path + " (df -h " + path + ")"
                    : "fly volumes extend <the volume of " + id + "> -s <size in GB> -a " + facts.fixes().app()
                            + " (fly volumes list -a " + facts.fixes().app() + " names it); an orphaned slot may hold the WAL";
            if (m.record().map(Member::diskFull).orElse(false)) {
                findings.add(Finding.critical(name(), id, text + ": past disk.read_only_at, so its user sessions are read-only "
                        + "(writes fail with \"cannot execute ... in a read-only transaction\") until it is below "
                        + "disk.writable_below; replication and the sidecar go on", fix));
            } else if (share < CRITICAL_FREE) {
                findings.add(Finding.critical(name(), id, text + ": PostgreSQL stops when it is full", fix));
            } else if (share < WARNING_FREE) {
                findings.add(Finding.warning(name(), id, text + ": running low", fix));
            } else {
                findings.add(Finding.ok(name(), id, text));
            }
        }
        return findings;
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f GiB", (double) bytes / GIB);
    }
}
