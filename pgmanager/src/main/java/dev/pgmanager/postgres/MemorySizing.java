package dev.pgmanager.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
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

    /**
     * The settings, then the operator's {@code parameters}, which win; then {@code wal_buffers} from the shared buffers
     * these give, unless the operator set it too.
     */
    public Map<String, String> settingsWith(Map<String, String> parameters) {
        Map<String, String> settings = settings();
        settings.putAll(parameters);
        if (!settings.containsKey("wal_buffers")) {
            walBuffersFor(settings.get("shared_buffers")).ifPresent(size -> settings.put("wal_buffers", size));
        }
        return settings;
    }

    /**
     * PostgreSQL's own rule for {@code wal_buffers}, a 32nd of {@code sharedBuffers} (a setting's value: {@code 128MB},
     * or 8 kB pages without a unit) from 64 kB to 16 MB, written out: left to itself PostgreSQL also caps it at one WAL
     * segment, 4 MB in a cluster pgmanager made ({@link WalSegmentSize#DEFAULT}), which would slow heavy concurrent
     * writes on a large machine. Empty for a value that is not a size of those units.
     */
    public static Optional<String> walBuffersFor(String sharedBuffers) {
        OptionalDouble pages = ParameterCheck.inBaseUnit(sharedBuffers, "8kB");
        if (pages.isEmpty()) return Optional.empty();
        return Optional.of(Math.clamp((long) (pages.getAsDouble() * 8 / 32), 64, 16 * 1024) + "kB");
    }

    /** This machine's, from {@code /proc} and {@code /sys/fs/cgroup}. */
    public static MemorySizing ofThisMachine() {
        return of(Path.of("/proc/self/cgroup"), CGROUP_ROOT, Path.of("/proc/meminfo"));
    }

    /**
     * The tightest memory limit on the cgroup that {@code selfCgroup} names and its parents under {@code cgroupRoot}
     * (cgroup v2: {@code memory.max}; v1: {@code memory/.../memory.limit_in_bytes}), capped by {@code MemTotal} of
     * {@code meminfo}, which counts alone without a limit.
     */
    static MemorySizing of(Path selfCgroup, Path cgroupRoot, Path meminfo) {
        OptionalLong limit = cgroupLimit(selfCgroup, cgroupRoot);
        long total = memTotal(meminfo).orElse(1024 * MB);
        return new MemorySizing(limit.isPresent() ? Math.min(limit.getAsLong(), total) : total);
    }

    private static OptionalLong cgroupLimit(Path selfCgroup, Path cgroupRoot) {
        Optional<String> lines = read(selfCgroup);
        // cgroup v2: "0::/path"; v1: "N:memory:/path" (or with other controllers beside memory)
        OptionalLong unified = lines.flatMap(text -> text.lines().filter(l -> l.startsWith("0::")).findFirst())
                .map(l -> tightestOnTheWayUp(cgroupRoot, l.substring(3), "memory.max")).orElse(OptionalLong.empty());
        if (unified.isPresent()) return unified;
        return lines.flatMap(text -> text.lines().filter(MemorySizing::namesTheMemoryController).findFirst())
                .map(l -> tightestOnTheWayUp(cgroupRoot.resolve("memory"), l.substring(l.indexOf(':', l.indexOf(':') + 1) + 1),
                        "memory.limit_in_bytes"))
                .orElse(OptionalLong.empty());
    }

    private static boolean namesTheMemoryController(String line) {
        String[] parts = line.split(":", 3);
        return parts.length == 3 && List.of(parts[1].split(",")).contains("memory");
    }

    /**
     * The smallest {@code file} from the cgroup at {@code path} below {@code root} up to the root itself. A container
     * sees its own cgroup as the root of the mount while its path still names the host's, so the root counts too.
     */
    private static OptionalLong tightestOnTheWayUp(Path root, String path, String file) {
        OptionalLong tightest = OptionalLong.empty();
        Path dir = root.resolve(path.replaceFirst("^/", "")).normalize();
        for (; dir != null && dir.startsWith(root); dir = dir.getParent()) {
            OptionalLong here = number(read(dir.resolve(file)));
            if (here.isPresent() && (tightest.isEmpty() || here.getAsLong() < tightest.getAsLong())) tightest = here;
        }
        return tightest;
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
