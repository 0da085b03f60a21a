package dev.pgmanager.postgres;

import dev.pgmanager.logging.LogFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts the postmaster as a child of this process, tied to it: if the sidecar dies, even by SIGKILL, its
 * PostgreSQL gets an immediate shutdown, so no server ever accepts writes without a sidecar guarding its lease.
 *
 * <p>Linux sends the parent-death signal when the <em>thread</em> that started the child exits, so every start
 * happens on one thread that lives as long as the JVM.
 *
 * <p>The server runs in a session of its own ({@code setsid}). Linux shares the CPU fairly between sessions
 * (autogroups) before it shares it between their threads: in the sidecar's session, a busy server's backends starved
 * the sidecar (a 50 ms garbage collection took 2 to 5 s under select-only pgbench on 2 cores, longer than the lease, and
 * the primary fenced itself). In a session of its own the sidecar gets its share of the CPU however many backends run.
 * It also keeps a terminal's Ctrl-C, meant for a sidecar run by hand, from reaching the server. Where the kernel shares
 * the CPU between threads rather than sessions (a container's CPU cgroup, a kernel without autogroups), the server's
 * niceness of {@value #POSTGRES_NICE} does the same: a third of the sidecar's weight per busy backend.
 */
final class ServerLauncher {
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("postgres-launcher").factory());

    static final int POSTGRES_NICE = 5;

    private ServerLauncher() {}

    static Process launch(OsUser user, List<String> command, Path log) {
        try {
            return LAUNCHER.submit(() -> {
                List<String> inItsOwnSession = new ArrayList<>(List.of("setsid", "nice", "-n", Integer.toString(POSTGRES_NICE)));
                inItsOwnSession.addAll(user.wrapTiedToParent(command));
                ProcessBuilder builder = new ProcessBuilder(inItsOwnSession)
                        .directory(Path.of("/").toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(LogFiles.privateLog(log).toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                user.prepareEnvironment(builder.environment());
                return builder.start();
            }).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new PostgresException("cannot start '" + String.join(" ", command) + "': " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while starting PostgreSQL", e);
        }
    }
}
