package dev.pgmanager.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The running postmaster of a data directory, as recorded in its {@code postmaster.pid}. A pid file can
 * outlive its process (a crash, or a volume forked to another host where that PID now belongs to
 * something else), so a PID counts only if that process is alive and is a postgres binary.
 */
public final class Postmaster {
    /** What the kernel adds to the name of a program whose file was removed or replaced after it started. */
    private static final String REPLACED = " (deleted)";

    private Postmaster() {}

    /** The live postmaster of the data directory at {@code dataDirectory}, by its pid file; empty when none runs there. */
    public static OptionalLong of(Path dataDirectory) {
        return pid(new DataDirectory(dataDirectory));
    }

    static OptionalLong pid(DataDirectory dataDirectory) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDirectory.file("postmaster.pid"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new PostgresException("cannot read " + dataDirectory.file("postmaster.pid") + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty() || !lines.getFirst().strip().matches("\\d+")) {
            // being written right now, or garbage: either way no process we can name
            return OptionalLong.empty();
        }
        long pid = Long.parseLong(lines.getFirst().strip());
        return isLivePostgres(pid) ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    /** True while {@code pid} is a live (not zombie) postgres process. */
    static boolean isLivePostgres(long pid) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(handle -> !isZombie(pid))
                .filter(handle -> handle.info().command().map(Postmaster::isPostgresProgram).orElse(true))
                .isPresent();
    }

    /**
     * Whether a process's program (its {@code /proc/PID/exe}) is PostgreSQL's server. A program whose file was replaced
     * since it started, as a package upgrade replaces {@code postgres} under a running server, is named with the
     * kernel's {@code " (deleted)"} after it: the server runs on all the same, and taking it for gone had its sidecar
     * start another on its data directory thirty times a second, each refused by the lock file.
     */
    static boolean isPostgresProgram(String program) {
        String path = program.endsWith(REPLACED) ? program.substring(0, program.length() - REPLACED.length()) : program;
        return path.endsWith("/postgres") || path.endsWith("/postmaster");
    }

    /**
     * The live WAL sender processes among {@code postmasterPid}'s children, told apart by the title PostgreSQL gives each
     * process ({@code postgres: <cluster_name>: walsender ...}, kept on by {@code update_process_title}, which pgmanager sets).
     */
    static List<Long> walSenders(long postmasterPid) {
        return ProcessHandle.of(postmasterPid).stream()
                .flatMap(ProcessHandle::children)
                .map(ProcessHandle::pid)
                .filter(pid -> title(pid).contains(": walsender "))
                .toList();
    }

    /** The process's command line as /proc shows it, where PostgreSQL writes each process's title. */
    private static String title(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException gone) {
            return "";
        }
    }

    /** Exited but not yet reaped by its parent, which for a daemonised postmaster may never happen. */
    private static boolean isZombie(long pid) {
        return state(pid) == 'Z';
    }

    /** The process's state letter in /proc/PID/stat (R, S, D, T, Z...); 0 when there is no such process. */
    public static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            // the state letter follows the parenthesised command name, which may itself contain ") "
            int afterName = stat.lastIndexOf(')');
            return afterName > 0 && stat.length() > afterName + 2 ? stat.charAt(afterName + 2) : 0;
        } catch (IOException gone) {
            return 0;
        }
    }
}
