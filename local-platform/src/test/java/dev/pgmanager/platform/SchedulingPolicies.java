package dev.pgmanager.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** The kernel's scheduling policies of processes and threads, read from {@code /proc}: 0 ordinary, 2 round-robin real-time. */
final class SchedulingPolicies {
    private SchedulingPolicies() {}

    /** The names (15 characters at most) of process {@code pid}'s threads whose scheduling policy is {@code policy}. */
    static Set<String> threadsOf(long pid, String policy) throws IOException {
        Set<String> names = new HashSet<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    if (stat.substring(stat.lastIndexOf(')') + 2).split(" ")[38].equals(policy)) {
                        names.add(Files.readString(task.resolve("comm")).strip());
                    }
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return names;
    }

    /** Field {@code index} + 3 of {@code /proc/PID/stat} (counted after the command name, which may hold spaces). */
    static String statField(long pid, int index) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[index];
    }
}
