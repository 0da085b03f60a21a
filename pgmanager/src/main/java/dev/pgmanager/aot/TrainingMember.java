package dev.pgmanager.aot;

import dev.pgmanager.net.FreePorts;
import dev.pgmanager.postgres.Postmaster;
import dev.pgmanager.postgres.ProcessSignal;
import dev.pgmanager.postgres.StopMode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one member of the training cluster, in {@code work}: its configuration (a file of its own, on loopback, every
 * port free when written, its passwords random), its sidecar's runs, and their end, also when a run goes wrong.
 */
final class TrainingMember {
    /** All the training sidecar keeps of our environment: the rest may name a real member's data, ports and store. */
    private static final Set<String> INHERITED_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "MALLOC_ARENA_MAX");
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int LOG_LINES_SHOWN = 30;

    private final Path work;
    private final Path config;
    private final Map<String, String> settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile Process sidecar;

    private TrainingMember(Path work, Map<String, String> settings) {
        this.work = work;
        this.config = work.resolve("training.yml");
        this.settings = settings;
    }

    /** Writes the member's configuration in {@code work}, which its data directory will be in too. */
    static TrainingMember in(Path work, String storeConnect, Optional<Path> postgresBinaries) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("machine_id", "a07a07a07a07a0");
        settings.put("app", "aot-training");
        settings.put("region", "local");
        settings.put("address", "127.0.0.1");
        settings.put("store.connect", storeConnect);
        settings.put("postgres.data_dir", work.resolve("data").toString());
        settings.put("postgres.socket_dir", work.toString());
        settings.put("postgres.listen_address", "127.0.0.1");
        postgresBinaries.ifPresent(dir -> settings.put("postgres.bin_dir", dir.toString()));
        settings.put("postgres.superuser_password", secret());
        settings.put("postgres.replication_password", secret());
        settings.put("postgres.allowed_networks", "127.0.0.0/8");
        // small and fixed: sized from the machine, a builder's many gigabytes would be asked of its shared memory
        settings.put("postgres.parameters.shared_buffers", "16MB");
        settings.put("postgres.parameters.max_connections", "20");
        settings.put("api.token", secret());
        settings.put("rewriter.enabled", "false");
        settings.put("backup.enabled", "false");
        TrainingMember member = new TrainingMember(work, settings);
        Files.createFile(member.config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        member.takeNewPorts();
        return member;
    }

    /**
     * Gives every server of the member a port free now and writes the configuration again: a port found free may be
     * taken by another program before the sidecar binds it (its run then fails, saying so, and is tried again).
     */
    void takeNewPorts() throws IOException {
        settings.put("postgres.port", Integer.toString(freePort()));
        settings.put("api.listen", "127.0.0.1:" + freePort());
        settings.put("metrics.listen", "127.0.0.1:" + freePort());
        settings.put("flyapi.listen", "127.0.0.1:" + freePort());
        settings.put("router.listen", "127.0.0.1:" + freePort());
        // nothing may leave the machine: a name the training looks up goes to a port where no server listens
        settings.put("dns.servers", "127.0.0.1:" + freePort());
        // YAML, as a local member's (dotted keys read as nested ones; every value plain text): paths, numbers, hexadecimal
        Files.write(config, settings.entrySet().stream().map(entry -> entry.getKey() + ": \"" + entry.getValue() + "\"").toList(),
                StandardCharsets.UTF_8);
    }

    /**
     * Runs the sidecar with {@code jvm} (a command line that ends where pgmanager's arguments start) until it leads,
     * then stops it cleanly (SIGTERM) and waits for its exit. It gets SIGTERM too if this process dies first.
     */
    void runUntilItLeads(List<String> jvm, Duration timeout, String step) throws IOException, InterruptedException {
        // A session of its own: a sidecar raises its session's CPU share (CpuShare), which must not be the caller's
        // (a terminal's shell, or the benchmark's session, whose pgbench then outweighed the cluster it measured)
        List<String> command = new ArrayList<>(List.of("setsid", "setpriv", "--pdeathsig", "TERM", "--"));
        command.addAll(jvm);
        command.addAll(List.of("run", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().retainAll(INHERITED_ENVIRONMENT);
        sidecar = builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            awaitLeading(timeout, step);
            sidecar.destroy();
            if (!sidecar.waitFor(STOP_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the training sidecar did not stop within " + STOP_PATIENCE.toSeconds() + " s (" + step + ")"
                        + logTail());
            }
        } finally {
            stop();
        }
    }

    /** Ends whatever of the member still runs: its sidecar (SIGTERM, then SIGKILL), then a PostgreSQL it left behind. */
    void stop() throws InterruptedException {
        Process running = sidecar;
        if (running != null && running.isAlive()) {
            running.destroy();
            if (!running.waitFor(STOP_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) running.destroyForcibly().waitFor();
        }
        stopLeftoverServer();
    }

    /** What the sidecar's log ends with, for an error message. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
            return "; its log ends:\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - LOG_LINES_SHOWN), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private void awaitLeading(Duration timeout, String step) throws InterruptedException {
        HttpRequest primary = HttpRequest.newBuilder(URI.create("http://" + settings.get("api.listen") + "/primary"))
                .timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!sidecar.isAlive()) {
                throw new IllegalStateException("the training sidecar exited with " + sidecar.exitValue() + " (" + step + ")" + logTail());
            }
            try {
                if (http.send(primary, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException e) {
                // its API is not up yet
            }
            Thread.sleep(POLL);
        }
        throw new IllegalStateException("the training sidecar did not lead within " + timeout.toSeconds() + " s (" + step + ")" + logTail());
    }

    /** A sidecar killed on the way leaves its PostgreSQL running in a session of its own: stop it immediately. */
    private void stopLeftoverServer() throws InterruptedException {
        try {
            OptionalLong pid = Postmaster.of(work.resolve("data"));
            if (pid.isEmpty()) return;
            Optional<ProcessHandle> server = ProcessHandle.of(pid.getAsLong());
            // an immediate shutdown removes its shared memory on the way out, which a kill would leave
            ProcessSignal.send(pid.getAsLong(), StopMode.IMMEDIATE.signal());
            if (server.isPresent()) server.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            // best effort: its directory goes with the training's
        }
    }

    private Path log() {
        return work.resolve("sidecar.log");
    }

    private static int freePort() throws IOException {
        return FreePorts.on(InetAddress.getLoopbackAddress());
    }

    private static String secret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
