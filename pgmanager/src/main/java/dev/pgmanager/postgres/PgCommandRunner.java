package dev.pgmanager.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's tools as the {@link OsUser}, each with a deadline, its output captured, and the
 * process (tree) killed if the deadline passes. Processes still running when the JVM exits are killed
 * too, so a crashed test or sidecar leaves no orphan tool behind. (The postmaster is started apart, by
 * {@link ServerLauncher}, tied to this process's life.)
 */
public final class PgCommandRunner {
    private static final Logger log = LoggerFactory.getLogger(PgCommandRunner.class);
    private static final int MAX_CAPTURED_BYTES = 256 * 1024;
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(PgCommandRunner::kill),
                "pg-command-reaper"));
    }

    private final OsUser user;

    public PgCommandRunner(OsUser user) {
        this.user = user;
    }

    OsUser user() {
        return user;
    }

    /** Runs {@code command} and fails with its output when it exits non-zero. */
    public CommandResult runChecked(List<String> command, Map<String, String> env, Duration timeout) {
        CommandResult result = run(command, env, timeout, null);
        if (!result.succeeded()) throw result.failure();
        return result;
    }

    /**
     * Runs {@code command} to completion or until {@code timeout}; {@code stdin} (may be null) is fed to
     * it. Inherited PG* variables are dropped so that only what we pass decides where a tool connects.
     */
    public CommandResult run(List<String> command, Map<String, String> env, Duration timeout, String stdin) {
        ProcessBuilder builder = new ProcessBuilder(user.wrap(command))
                .redirectErrorStream(true)
                // the tools resolve their own path from the working directory, which must be one the
                // OS user can enter; "/" always is
                .directory(Path.of("/").toFile());
        user.prepareEnvironment(builder.environment());
        // tool output is parsed (pg_controldata) and quoted in errors: keep it untranslated
        builder.environment().put("LC_ALL", "C");
        builder.environment().putAll(env);
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        log.debug("running {}", command);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new PostgresException("cannot start '" + String.join(" ", command) + "': " + e.getMessage(), e);
        }
        LIVE.add(process);
        try {
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> copyCapped(process.getInputStream(), captured));
            if (stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    log.debug("{} closed its input early", command.getFirst(), e);
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                reader.join(Duration.ofSeconds(5));
                throw new CommandFailedException("'" + String.join(" ", command) + "' did not finish within "
                        + timeout.toSeconds() + "s and was killed", captured(captured));
            }
            // a tool may leave a daemon holding the pipe open; its output to us is complete either way
            reader.join(Duration.ofSeconds(5));
            return new CommandResult(List.copyOf(command), process.exitValue(), captured(captured));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while running '" + String.join(" ", command) + "'", e);
        } finally {
            LIVE.remove(process);
        }
    }

    private static String captured(ByteArrayOutputStream captured) {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    private static void copyCapped(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (out) {
                    if (out.size() + n > MAX_CAPTURED_BYTES) {
                        // keep the end: errors come last
                        byte[] kept = out.toByteArray();
                        out.reset();
                        int keep = MAX_CAPTURED_BYTES / 2;
                        out.write(kept, kept.length - Math.min(keep, kept.length), Math.min(keep, kept.length));
                    }
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the process went away; what we have is what there is
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
