package dev.pgmanager.platform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * The numbers of a process's {@code /proc/PID/FILE} read at once, by name: its lines {@code Name: <number> [kB]}
     * ({@code status}, {@code smaps_rollup}); lines of another shape are left out.
     */
    static Map<String, Long> procFields(long pid, String file) throws IOException {
        Map<String, Long> fields = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
            Matcher m = PROC_FIELD.matcher(line);
            if (m.matches()) fields.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return fields;
    }

    private static final Pattern PROC_FIELD = Pattern.compile("(\\w+):\\s+(\\d+)(?: kB)?");
}
