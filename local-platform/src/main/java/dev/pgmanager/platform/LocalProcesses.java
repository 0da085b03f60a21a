package dev.pgmanager.platform;

import dev.pgmanager.logging.LogFiles;
import dev.pgmanager.postgres.ProcessSignal;
import dev.pgmanager.postgres.StopMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts and stops the processes of a local cluster. Each runs this same program ({@code java -cp <our class
 * path> ...}) in a session of its own, so it outlives the command that started it and a Ctrl-C in the terminal does
 * not reach it. A PID file names it; a PID counts only while that process's command line still names our
 * directory, so a PID reused by the system is never signalled.
 */
final class LocalProcesses {
    /**
     * Small heaps: Fly's smallest Postgres machines have 256 MB for PostgreSQL and the sidecar together.
     * {@code PGMANAGER_SIDECAR_JAVA_OPTS} replaces these.
     */
    static final String DEFAULT_JVM_OPTIONS = "-Xmx32m -Xms8m -Xss256k -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 "
            + "-XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:MaxMetaspaceSize=80m "
            + "-XX:-UsePerfData -XX:TrimNativeHeapInterval=5000";

    /**
     * The platform process's heap ceiling, after those options (the last {@code -Xmx} wins): it serves the store, the DNS
     * and the S3 server (S3Proxy) to the whole cluster, and a sidecar's 32 MB ran out in S3Proxy during a full backup of a
     * 1 GB database (OutOfMemoryError: the store died with it, and the leader fenced itself).
     */
    static final String PLATFORM_HEAP = "-Xmx256m";

    private LocalProcesses() {}

    static long start(List<String> arguments, Path log, Path pidFile) throws IOException {
        return start(arguments, Map.of(), log, pidFile, Optional.empty());
    }

    /**
     * As {@link #start(List, Path, Path)}, the process entering {@code cgroup} before it execs (a shell writes its own
     * PID to {@code cgroup.procs}, then becomes the program), so none of its sockets or children is ever outside it.
     */
    static long start(List<String> arguments, Path log, Path pidFile, Optional<Path> cgroup) throws IOException {
        return start(arguments, Map.of(), log, pidFile, cgroup);
    }

    /**
     * As {@link #start(List, Path, Path, Optional)}, with {@code environment} added to ours: a sidecar configured by its
     * environment alone, as on Fly.io.
     */
    static long start(List<String> arguments, Map<String, String> environment, Path log, Path pidFile, Optional<Path> cgroup)
            throws IOException {
        // the sidecars' AOT cache, for sidecars alone: the platform is another program (a store, a DNS and an S3 server)
        List<String> cache = SidecarAotCache.fresh().map(file -> List.of("-XX:AOTCache=" + file)).orElse(List.of());
        return start(arguments, cache, environment, log, pidFile, cgroup);
    }

    /** The local platform's process ({@code local platform}), with its own heap ceiling ({@link #PLATFORM_HEAP}). */
    static long startPlatform(List<String> arguments, Path log, Path pidFile) throws IOException {
        return start(arguments, List.of(PLATFORM_HEAP), Map.of(), log, pidFile, Optional.empty());
    }

    private static long start(List<String> arguments, List<String> extraJvmOptions, Map<String, String> environment, Path log,
            Path pidFile, Optional<Path> cgroup) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>();
        cgroup.ifPresent(dir -> command.addAll(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                dir.resolve("cgroup.procs").toString())));
        command.add("setsid");
        command.addAll(javaCommand(arguments, extraJvmOptions));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(LogFiles.privateLog(log).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        limitMallocArenas(builder);
        builder.environment().putAll(environment);
        Process process = builder.start();
        Files.writeString(pidFile, Long.toString(process.pid()), StandardCharsets.UTF_8);
        return process.pid();
    }

    /** This same program with {@code arguments}: {@code java <small-heap options> -cp <our class path> Main ...}. */
    static List<String> javaCommand(List<String> arguments) {
        return javaCommand(arguments, List.of());
    }

    /** As {@link #javaCommand(List)}, with {@code extraJvmOptions} after the options, so that they win over them. */
    private static List<String> javaCommand(List<String> arguments, List<String> extraJvmOptions) {
        return javaCommand("dev.pgmanager.cli.Main", arguments, extraJvmOptions);
    }

    /** As {@link #javaCommand(List, List)}, running {@code mainClass} of our class path instead of the CLI. */
    static List<String> javaCommand(String mainClass, List<String> arguments, List<String> extraJvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(List.of(jvmOptions().split("\\s+")));
        command.addAll(extraJvmOptions);
        // Whatever the options: a JVM out of memory exits rather than live on with dead threads.
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(arguments);
        return command;
    }

    /** glibc gives every thread that allocates its own 64 MB arena; two are plenty for a sidecar. */
    static void limitMallocArenas(ProcessBuilder builder) {
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    }

    /** The live process named by {@code pidFile} whose command line mentions {@code marker}. */
    static Optional<ProcessHandle> running(Path pidFile, String marker) {
        try {
            if (!Files.exists(pidFile)) return Optional.empty();
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> commandLine(pid).contains(marker));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** SIGTERM, then wait for the exit; SIGKILL if it has not exited in time. */
    static void stop(ProcessHandle process, Duration patience) {
        process.destroy();
        if (!waitForExit(process, patience)) {
            process.destroyForcibly();
            waitForExit(process, Duration.ofSeconds(10));
        }
    }

    /**
     * SIGKILL to {@code leader} and every process of its process group in one kill(2), as a machine that loses power
     * stops them all at the same instant; a process that does not lead its group gets it alone.
     */
    static void killGroup(ProcessHandle leader) {
        if (processGroupOf(leader.pid()) != leader.pid()) {
            leader.destroyForcibly();
            return;
        }
        try {
            ProcessSignal.send(-leader.pid(), ProcessSignal.SIGKILL);
        } catch (RuntimeException e) {
            leader.destroyForcibly();
        }
    }

    /**
     * SIGQUIT to a postmaster, PostgreSQL's immediate shutdown (no checkpoint, like a crash for its data, but it removes
     * its shared memory on the way out), and wait for it to exit; SIGKILL if it has not within 10 s.
     */
    static void stopImmediately(ProcessHandle postmaster) {
        try {
            ProcessSignal.send(postmaster.pid(), StopMode.IMMEDIATE.signal());
        } catch (RuntimeException e) {
            // gone already, or the SIGKILL below
        }
        if (!waitForExit(postmaster, Duration.ofSeconds(10))) killGroup(postmaster);
    }

    /** The process group of {@code pid} (the fifth field of /proc/PID/stat, after the command in parentheses); -1 if unknown. */
    static long processGroupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** SIGKILL now, as a machine that loses power. */
    static void kill(ProcessHandle process) {
        process.destroyForcibly();
        waitForExit(process, Duration.ofSeconds(10));
    }

    static boolean waitForExit(ProcessHandle process, Duration patience) {
        Instant deadline = Instant.now().plus(patience);
        while (process.isAlive() && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            }
        }
        return !process.isAlive();
    }

    /** The process's full command line, read from /proc (ProcessHandle.Info truncates it). */
    static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** The JVM options of every process of the local cluster: {@code PGMANAGER_SIDECAR_JAVA_OPTS}, or the defaults. */
    static String jvmOptions() {
        return System.getenv().getOrDefault("PGMANAGER_SIDECAR_JAVA_OPTS", DEFAULT_JVM_OPTIONS).trim();
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
