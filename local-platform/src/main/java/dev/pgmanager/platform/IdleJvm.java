package dev.pgmanager.platform;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor under a sidecar's memory: a JVM started as the local platform starts a sidecar (the same java, options, C
 * library setting and class path) that runs nothing but this class's {@code main}, which waits. What it holds at rest is
 * what the JVM costs before any of the sidecar's work; {@code bench memory} prints it beside the sidecars. It has no AOT
 * cache: the sidecar's would load every class of a sidecar at its start. It ends when its standard input does, so it
 * never outlives the benchmark that started it, even one that is killed.
 */
public final class IdleJvm implements AutoCloseable {
    private static final String READY = "idle";

    private final Process process;

    private IdleJvm(Process process) {
        this.process = process;
    }

    /** Starts one and returns once its {@code main} runs. */
    public static IdleJvm start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(LocalProcesses.javaCommand(IdleJvm.class.getName(), List.of(), List.of()))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        LocalProcesses.limitMallocArenas(builder);
        IdleJvm jvm = new IdleJvm(builder.start());
        try {
            // the JVM's own warnings (an option it would rather not have) come first on the same output
            var out = new BufferedReader(new InputStreamReader(jvm.process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals(READY));
            if (line == null) throw new IOException("the idle JVM did not start (exit " + jvm.process.waitFor() + ")");
            return jvm;
        } catch (IOException | RuntimeException e) {
            jvm.close();
            throw e;
        } catch (InterruptedException e) {
            jvm.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the idle JVM started", e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Ends it (its input closed, then SIGKILL if it has not exited within 10 s). */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (process.waitFor(10, TimeUnit.SECONDS)) return;
        } catch (IOException e) {
            // killed below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }

    /** Says it runs, then waits for the end of its input. */
    public static void main(String[] args) throws IOException {
        System.out.println(READY);
        System.out.flush();
        while (System.in.read() >= 0) {
            // nothing is sent: it waits for the end
        }
    }
}
