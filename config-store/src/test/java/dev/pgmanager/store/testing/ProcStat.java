package dev.pgmanager.store.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Fields of a process's or thread's {@code stat} file of /proc, numbered as proc(5) numbers them; the command name (the
 * second field) may hold spaces, so fields are counted after its closing parenthesis.
 */
public final class ProcStat {
    public static final int NICE = 19;
    public static final int RT_PRIORITY = 40;
    /** The scheduling policy: 0 ordinary, 1 FIFO and 2 round-robin real-time. */
    public static final int POLICY = 41;

    private ProcStat() {}

    /** Field {@code number} (3 or more) of the text of a stat file. */
    public static String field(String stat, int number) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[number - 3];
    }

    public static String field(Path statFile, int number) throws IOException {
        return field(Files.readString(statFile), number);
    }

    /** Field {@code number} of process {@code pid}. */
    public static String field(long pid, int number) throws IOException {
        return field(Path.of("/proc", Long.toString(pid), "stat"), number);
    }

    /** The names (15 characters at most) of process {@code pid}'s threads whose scheduling policy is {@code policy}. */
    public static Set<String> threadsWithPolicy(long pid, String policy) throws IOException {
        Set<String> names = new HashSet<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (field(task.resolve("stat"), POLICY).equals(policy)) names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return names;
    }
}
