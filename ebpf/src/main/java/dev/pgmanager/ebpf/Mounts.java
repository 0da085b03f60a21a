package dev.pgmanager.ebpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The mount table of this process ({@code /proc/mounts}): where a filesystem type is, and what holds a path. */
record Mounts(List<Mount> mounts) {
    record Mount(Path mountPoint, String type) {}

    static Mounts read() throws RewriterUnavailable {
        try {
            List<Mount> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] fields = line.split(" ");
                if (fields.length >= 3) {
                    mounts.add(new Mount(Path.of(unescape(fields[1])), fields[2]));
                }
            }
            return new Mounts(List.copyOf(mounts));
        } catch (IOException e) {
            throw new RewriterUnavailable("cannot read /proc/mounts: " + e.getMessage());
        }
    }

    /** The first mount point of a filesystem type, e.g. "cgroup2". */
    Optional<Path> firstOfType(String type) {
        return mounts.stream().filter(m -> m.type().equals(type)).map(Mount::mountPoint).findFirst();
    }

    /** The mount a path lives on: the longest mount point that contains it (the last such mount wins, as it covers the others). */
    Optional<Mount> holding(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Mount best = null;
        for (Mount mount : mounts) {
            if (absolute.startsWith(mount.mountPoint())
                    && (best == null || mount.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = mount;
            }
        }
        return Optional.ofNullable(best);
    }

    /** /proc/mounts writes space, tab, newline and backslash in paths as octal escapes (\040). */
    private static String unescape(String field) {
        StringBuilder text = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
