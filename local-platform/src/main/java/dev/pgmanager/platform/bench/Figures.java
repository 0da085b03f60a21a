package dev.pgmanager.platform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The small arithmetic and measuring the benchmarks share. */
final class Figures {
    private Figures() {}

    /** The median of {@code values} (the mean of the middle two for an even count), empty for none. */
    static Optional<Long> median(List<Long> values) {
        if (values.isEmpty()) return Optional.empty();
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return Optional.of(n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
    }

    /**
     * The machine a benchmark ran on, for its header: {@code host (2 CPUs, autogroups on)}. Whether the kernel shares the
     * CPU between sessions first changes what a loaded machine does to the sidecars (README, *Under load*).
     */
    static String machine() throws IOException {
        String autogroups;
        try {
            autogroups = Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled")).strip().equals("0") ? "off" : "on";
        } catch (IOException e) {
            autogroups = "none in this kernel";
        }
        return "%s (%d CPUs, autogroups %s)".formatted(java.net.InetAddress.getLocalHost().getHostName(),
                Runtime.getRuntime().availableProcessors(), autogroups);
    }

    /** The number of a process's {@code /proc/PID/FILE} line that starts with {@code field} (kB in most; -1 when absent). */
    static long procKilobytes(long pid, String file, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
            if (line.startsWith(field)) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return -1;
    }
}
