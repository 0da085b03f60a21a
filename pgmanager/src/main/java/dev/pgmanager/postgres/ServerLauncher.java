package dev.pgmanager.postgres;

import dev.pgmanager.logging.LogFiles;
import java.nio.file.Path;
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
 */
final class ServerLauncher {
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("postgres-launcher").factory());

    private ServerLauncher() {}

    static Process launch(OsUser user, List<String> command, Path log) {
        try {
            return LAUNCHER.submit(() -> {
                ProcessBuilder builder = new ProcessBuilder(user.wrapTiedToParent(command))
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
