package dev.pgmanager.aot;

import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.ProcessSignal;
import dev.pgmanager.postgres.StopMode;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Makes the JDK's AOT cache for the sidecar ({@code -XX:AOTCache}): the classes a sidecar loads, already parsed and
 * linked, and the profiles of the methods it ran, so that the next JVM starts without doing that work again (JEP 483,
 * 515). The JDK records them from a training run that ends cleanly, which a crash or a kill never gives; so this trains
 * a sidecar of its own: a one-member cluster on loopback (an embedded store, a throwaway PostgreSQL in a temporary
 * directory, no rewriter, no backups), started once to make the cluster, then started again as a migrated machine
 * restarts, recorded until it leads, and stopped cleanly. Everything it starts is stopped and removed, also on failure.
 *
 * <p>The cache fits only the JDK and the class path that made it: the training sidecar runs on this very JVM's binary,
 * options and class path, so whoever runs this command the way the sidecar is launched gets the right cache.
 */
public final class AotTraining {
    private static final String MAIN = "dev.pgmanager.cli.Main";
    /** The JVM options that choose or make a cache: the training's own are set here. */
    private static final List<String> CACHE_OPTIONS = List.of("-XX:AOTCache", "-XX:AOTMode", "-XX:AOTCacheOutput",
            "-XX:AOTConfiguration", "-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit");
    /** All the training sidecar keeps of our environment. */
    private static final Set<String> INHERITED_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "MALLOC_ARENA_MAX");
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int LOG_LINES_SHOWN = 30;

    private final Path output;
    private final Optional<Path> postgresBinaries;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param output the cache to write (replaced whole once it is made, never left half written)
     * @param postgresBinaries where PostgreSQL's programs are; empty: where the sidecar looks by default
     * @param timeout how long each of the training's two sidecars may take to lead
     */
    public AotTraining(Path output, Optional<Path> postgresBinaries, Duration timeout) {
        this.output = output.toAbsolutePath();
        this.postgresBinaries = postgresBinaries;
        this.timeout = timeout;
    }

    /** Trains and writes the cache; returns its size in bytes. */
    public long run() throws IOException, InterruptedException {
        Files.createDirectories(output.getParent());
        Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
        OsUser.requireReachableByPostgres(temporary.resolve("pgmanager-aot"), "give the JVM another -Djava.io.tmpdir");
        Path work = Files.createTempDirectory(temporary, "pgmanager-aot-");
        // PostgreSQL runs as its own user when we are root: it must reach its data directory below this one
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        // of this process alone: two trainings at once each write their own, and the last to finish wins whole
        Path partial = output.resolveSibling(output.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
        try (EmbeddedZooKeeper store = EmbeddedZooKeeper.standalone(work.resolve("store"),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int api = freePort();
            Path config = writeConfig(work, store.connectString(), api);
            // the first run makes the cluster (initdb); the second is the one to learn from: a member that restarts
            runSidecar(work, config, api, List.of(), "making the cluster");
            runSidecar(work, config, api, List.of("-XX:AOTCacheOutput=" + partial), "recording");
            if (!Files.isRegularFile(partial) || Files.size(partial) == 0) {
                throw new IllegalStateException("the training sidecar stopped but wrote no cache" + logTail(work));
            }
            checkUsable(partial);
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Files.size(output);
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(partial.resolveSibling(partial.getFileName() + ".config"));
            stopLeftoverServer(work.resolve("data"));
            deleteTree(work);
        }
    }

    /**
     * A one-member cluster on loopback, every port free now, its passwords random: a YAML file the sidecar reads, as a
     * local member's (the image's members are configured by their environment alone).
     */
    private Path writeConfig(Path work, String storeConnect, int apiPort) throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("machine_id", "a07a07a07a07a0");
        config.put("app", "aot-training");
        config.put("region", "local");
        config.put("address", "127.0.0.1");
        config.put("store.connect", storeConnect);
        config.put("postgres.data_dir", work.resolve("data").toString());
        config.put("postgres.socket_dir", work.toString());
        config.put("postgres.listen_address", "127.0.0.1");
        config.put("postgres.port", Integer.toString(freePort()));
        postgresBinaries.ifPresent(dir -> config.put("postgres.bin_dir", dir.toString()));
        config.put("postgres.superuser_password", secret());
        config.put("postgres.replication_password", secret());
        config.put("postgres.allowed_networks", "127.0.0.0/8");
        // small and fixed: sized from the machine, a builder's many gigabytes would be asked of its shared memory
        config.put("postgres.parameters.shared_buffers", "16MB");
        config.put("postgres.parameters.max_connections", "20");
        config.put("api.listen", "127.0.0.1:" + apiPort);
        config.put("metrics.listen", "127.0.0.1:" + freePort());
        config.put("flyapi.listen", "127.0.0.1:" + freePort());
        config.put("router.listen", "127.0.0.1:" + freePort());
        config.put("api.token", secret());
        // nothing may leave the machine: a name the training looks up goes to a port where no server listens
        config.put("dns.servers", "127.0.0.1:" + freePort());
        config.put("rewriter.enabled", "false");
        config.put("backup.enabled", "false");
        Path file = work.resolve("training.yml");
        // dotted keys are read as nested ones; every value is plain text (paths, numbers, hexadecimal)
        Files.write(file, config.entrySet().stream().map(entry -> entry.getKey() + ": \"" + entry.getValue() + "\"").toList(),
                StandardCharsets.UTF_8);
        return file;
    }

    /** Starts a sidecar, waits until it leads, stops it cleanly (SIGTERM) and waits for its exit. */
    private void runSidecar(Path work, Path config, int apiPort, List<String> extraOptions, String step)
            throws IOException, InterruptedException {
        List<String> command = thisJvm(extraOptions, List.of("run", "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        // The training member's configuration is its file alone: the environment wins over a file, and on a member's
        // machine it names the real data directory, ports and store
        builder.environment().keySet().retainAll(INHERITED_ENVIRONMENT);
        Process sidecar = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("sidecar.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            awaitPrimary(sidecar, apiPort, step, work);
            sidecar.destroy();
            if (!sidecar.waitFor(STOP_PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the training sidecar did not stop within " + STOP_PATIENCE.toSeconds() + " s ("
                        + step + ")" + logTail(work));
            }
        } finally {
            sidecar.destroyForcibly();
            sidecar.waitFor();
        }
    }

    private void awaitPrimary(Process sidecar, int apiPort, String step, Path work) throws InterruptedException {
        HttpRequest primary = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/primary"))
                .timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!sidecar.isAlive()) {
                throw new IllegalStateException("the training sidecar exited with " + sidecar.exitValue() + " (" + step + ")" + logTail(work));
            }
            try {
                if (http.send(primary, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(POLL);
        }
        throw new IllegalStateException("the training sidecar did not lead within " + timeout.toSeconds() + " s (" + step + ")"
                + logTail(work));
    }

    /**
     * pgmanager on this JVM's binary, options and class path, with {@code options} instead of any that choose a cache:
     * the cache records the options that shape it (the modules given native access, for one) and is refused under others.
     */
    private static List<String> thisJvm(List<String> options, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell which java runs")));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> CACHE_OPTIONS.stream().noneMatch(option::startsWith))
                .forEach(command::add);
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN));
        command.addAll(arguments);
        return command;
    }

    /** A JVM told to use the cache or fail ({@code -XX:AOTMode=on}) starts with it: the JDK accepts it. */
    private static void checkUsable(Path cache) throws IOException, InterruptedException {
        List<String> command = thisJvm(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache), List.of("--version"));
        Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (check.waitFor() != 0) throw new IllegalStateException("the JVM refuses the cache it made: " + said.strip());
    }

    /** A sidecar killed on the way leaves its PostgreSQL running in a session of its own: stop it immediately. */
    private static void stopLeftoverServer(Path dataDirectory) throws InterruptedException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) return;
            long pid = Long.parseLong(Files.readAllLines(pidFile, StandardCharsets.US_ASCII).getFirst().strip());
            Optional<ProcessHandle> server = ProcessHandle.of(pid);
            if (server.isEmpty()) return;
            // immediate shutdown: it removes its shared memory on the way out
            ProcessSignal.send(pid, StopMode.IMMEDIATE.signal());
            server.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (IOException | RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // best effort: the temporary directory goes anyway
        }
    }

    private static String logTail(Path work) {
        try {
            List<String> lines = Files.readAllLines(work.resolve("sidecar.log"), StandardCharsets.UTF_8);
            return "; its log ends:\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - LOG_LINES_SHOWN), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String secret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
