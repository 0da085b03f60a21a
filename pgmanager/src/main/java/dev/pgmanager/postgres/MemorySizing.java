package dev.pgmanager.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * PostgreSQL's memory settings sized from the memory this machine may use: its cgroup's limit (a container's, a Fly
 * machine's VM) or, without one, the memory the kernel reports. PostgreSQL's defaults assume neither a small machine
 * (128 MB of shared buffers on a 256 MB machine that also runs the sidecar) nor a large one (the same 128 MB on 8 GB).
 * The usual rules: a quarter of the memory for shared buffers, three quarters as the planner's idea of the cache, a
 * twentieth for maintenance work (each autovacuum worker may take as much).
 *
 * @param memoryBytes the memory the machine may use
 */
public record MemorySizing(long memoryBytes) {
    private static final long MB = 1024 * 1024;
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    /** The settings, in whole megabytes. */
    public Map<String, String> settings() {
        long megabytes = memoryBytes / MB;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("shared_buffers", Math.max(16, megabytes / 4) + "MB");
        settings.put("effective_cache_size", Math.max(32, megabytes * 3 / 4) + "MB");
        settings.put("maintenance_work_mem", Math.clamp(megabytes / 20, 8, 2048) + "MB");
        return settings;
    }

    /** This machine's, from {@code /proc} and {@code /sys/fs/cgroup}. */
    public static MemorySizing ofThisMachine() {
        return of(Path.of("/proc/self/cgroup"), CGROUP_ROOT, Path.of("/proc/meminfo"));
    }

    /**
     * The tightest memory limit on the cgroup that {@code selfCgroup} names (cgroup v2: {@code memory.max} of it and its
     * parents under {@code cgroupRoot}; v1: {@code memory/memory.limit_in_bytes}), else {@code MemTotal} of {@code meminfo}.
     */
    static MemorySizing of(Path selfCgroup, Path cgroupRoot, Path meminfo) {
        OptionalLong limit = cgroupLimit(selfCgroup, cgroupRoot);
        long total = memTotal(meminfo).orElse(1024 * MB);
        return new MemorySizing(limit.isPresent() ? Math.min(limit.getAsLong(), total) : total);
    }

    private static OptionalLong cgroupLimit(Path selfCgroup, Path cgroupRoot) {
        Optional<String> unified = read(selfCgroup).flatMap(text -> text.lines().filter(l -> l.startsWith("0::")).findFirst())
                .map(l -> l.substring(3));
        OptionalLong tightest = OptionalLong.empty();
        if (unified.isPresent()) {
            Path dir = cgroupRoot.resolve(unified.get().replaceFirst("^/", "")).normalize();
            for (; dir != null && dir.startsWith(cgroupRoot); dir = dir.getParent()) {
                OptionalLong here = number(read(dir.resolve("memory.max")));
                if (here.isPresent() && (tightest.isEmpty() || here.getAsLong() < tightest.getAsLong())) tightest = here;
            }
        }
        if (tightest.isPresent()) return tightest;
        // cgroup v1: a huge value (page-rounded LONG_MAX) means no limit; MemTotal then caps it
        return number(read(cgroupRoot.resolve("memory").resolve("memory.limit_in_bytes")));
    }

    private static OptionalLong memTotal(Path meminfo) {
        return read(meminfo).flatMap(text -> text.lines().filter(l -> l.startsWith("MemTotal:")).findFirst())
                .map(l -> OptionalLong.of(Long.parseLong(l.replaceAll("\\D", "")) * 1024))
                .orElse(OptionalLong.empty());
    }

    /** A number of bytes; {@code max} and anything unreadable are no limit. */
    private static OptionalLong number(Optional<String> text) {
        try {
            return text.map(String::strip).filter(t -> !t.equals("max")).map(t -> OptionalLong.of(Long.parseLong(t)))
                    .orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> read(Path file) {
        try {
            return Files.isReadable(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
