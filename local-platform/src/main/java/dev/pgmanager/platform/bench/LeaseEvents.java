package dev.pgmanager.platform.bench;

import dev.pgmanager.platform.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** What a benchmark's sidecars logged of their leases: a benchmark that must not see a failover reports these lines. */
final class LeaseEvents {
    private static final Predicate<String> SUSPENDED_OR_LOST =
            line -> line.contains("LeaderLease") && (line.contains("-> SUSPENDED") || line.contains("-> LOST"));
    /** A lease in trouble, and what the member did about it (the fencing reflex, the watchdog, a server found down). */
    private static final Predicate<String> TROUBLE = SUSPENDED_OR_LOST
            .or(line -> line.contains("Fencer") || line.contains("Watchdog") || line.contains("my server is down"));

    private LeaseEvents() {}

    /** Every sidecar's log lines of a lease suspended or lost. */
    static List<String> suspensions(LocalCluster cluster) throws IOException {
        return lines(cluster, SUSPENDED_OR_LOST);
    }

    /** Every sidecar's log lines of a lease in trouble and of the fencing that followed (each line names its member). */
    static List<String> trouble(LocalCluster cluster) throws IOException {
        return lines(cluster, TROUBLE);
    }

    private static List<String> lines(LocalCluster cluster, Predicate<String> wanted) throws IOException {
        List<String> lines = new ArrayList<>();
        if (cluster.file().isEmpty()) return lines;
        for (var member : cluster.file().get().members()) {
            Path log = cluster.sidecarLog(member.machineId());
            if (!Files.exists(log)) continue;
            try (Stream<String> all = Files.lines(log)) {
                all.filter(wanted).forEach(lines::add);
            }
        }
        return lines;
    }
}
