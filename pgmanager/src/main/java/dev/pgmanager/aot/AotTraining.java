package dev.pgmanager.aot;

import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Makes the JDK's AOT cache for the sidecar ({@code -XX:AOTCache}, JEP 483): the classes a sidecar loads, already
 * parsed and linked, which every later start maps instead of loading them again. The JDK records them from a training
 * run that ends cleanly, which a crash or a kill never gives; so this trains a sidecar of its own: a one-member
 * cluster on loopback (an embedded store, a throwaway PostgreSQL in a temporary directory, no rewriter, no backups),
 * started once to make the cluster, then started again as a migrated machine restarts, recorded until it leads, and
 * stopped cleanly. Everything it starts is stopped and removed, when it fails and when this process is told to stop.
 *
 * <p>A cache fits only the JDK, the class path and the JVM options (those that shape the module graph and the heap's
 * references) that made it: the training sidecar runs on this very JVM's binary, options and class path, so whoever
 * runs this command the way the sidecar is launched gets the right cache.
 */
public final class AotTraining {
    private static final String MAIN = "dev.pgmanager.cli.Main";
    /** Options that choose or make a cache: the training's own are set here. */
    private static final List<String> CACHE_OPTIONS = List.of("-XX:AOTCache", "-XX:AOTMode", "-XX:AOTCacheOutput",
            "-XX:AOTConfiguration", "-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit");
    /** Options that would make the training sidecar fight this process for a port or a file (a debugger's, a recording's). */
    private static final List<String> EXCLUSIVE_OPTIONS = List.of("-agentlib", "-agentpath", "-javaagent", "-Xrunjdwp", "-Xdebug",
            "-XX:StartFlightRecording", "-XX:FlightRecorderOptions", "-Dcom.sun.management", "-Xlog");
    /** A heap ceiling for a training given none: a builder's 128 GB would give a heap without compressed references. */
    private static final String TRAINING_HEAP = "-Xmx1g";
    private static final Duration CHECK_LIMIT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 3;
    /** How a sidecar that could not listen on a configured port ends (Jetty, the JDK's servers, PostgreSQL). */
    private static final Pattern PORT_TAKEN = Pattern.compile("(?i)failed to bind|address already in use|could not bind");

    private final Path output;
    private final Optional<Path> postgresBinaries;
    private final Duration timeout;

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
        Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
        OsUser.requireReachableByPostgres(temporary.resolve("pgmanager-aot"), "give the JVM another -Djava.io.tmpdir");
        requireWritableDirectory(output.getParent());
        Path work = Files.createTempDirectory(temporary, "pgmanager-aot-");
        // PostgreSQL runs as its own user when we are root: it must reach its data directory below this one
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        // of this process alone: two trainings at once each write their own, and the last to finish wins whole
        Path partial = output.resolveSibling(output.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
        EmbeddedZooKeeper store = null;
        TrainingMember member;
        try {
            store = EmbeddedZooKeeper.standalone(work.resolve("store"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            member = TrainingMember.in(work, store.connectString(), postgresBinaries);
        } catch (IOException | RuntimeException e) {
            if (store != null) store.close();
            deleteTree(work);
            throw e;
        }
        EmbeddedZooKeeper startedStore = store;
        Thread cleanUpOnStop = new Thread(() -> cleanUp(member, startedStore, work, partial), "aot-training-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanUpOnStop);
        try {
            // the first run makes the cluster (initdb); the second is the one to learn from: a member that restarts
            run(member, List.of(), "making the cluster");
            Path recorded = work.resolve("pgmanager.aot");
            run(member, List.of("-XX:AOTCacheOutput=" + recorded), "recording");
            if (!Files.isRegularFile(recorded) || Files.size(recorded) == 0) {
                throw new IllegalStateException("the training sidecar stopped but wrote no cache" + member.logTail());
            }
            checkUsable(recorded);
            Files.copy(recorded, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Files.size(output);
        } finally {
            cleanUp(member, startedStore, work, partial);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUpOnStop);
            } catch (IllegalStateException e) {
                // we are stopping already: the hook has done the same
            }
        }
    }

    /** Before ten seconds of training: the cache's directory exists (made if need be) and takes files. */
    private static void requireWritableDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot make the directory of --output, " + directory + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        if (!Files.isWritable(directory)) throw new IllegalArgumentException("cannot write in the directory of --output, " + directory);
    }

    /** One run of the member's sidecar until it leads; tried again on new ports when one was taken meanwhile. */
    private void run(TrainingMember member, List<String> options, String step) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                member.runUntilItLeads(thisJvm(options), timeout, step);
                return;
            } catch (IllegalStateException e) {
                if (attempt == PORT_ATTEMPTS || !PORT_TAKEN.matcher(e.getMessage()).find()) throw e;
                member.takeNewPorts();
            }
        }
    }

    /** Stops the member and the store and removes every file of the training; safe to call twice, never throws. */
    private static synchronized void cleanUp(TrainingMember member, EmbeddedZooKeeper store, Path work, Path partial) {
        try {
            member.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        try {
            Files.deleteIfExists(partial);
            deleteTree(work);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("pgmanager: could not remove all of " + work + " (" + e.getMessage() + "): remove it by hand");
        }
    }

    /**
     * pgmanager on this JVM's binary, options and class path, with {@code options} instead of any that choose a cache;
     * the cache records the options that shape it (the modules given native access, for one) and is refused under others.
     */
    private static List<String> thisJvm(List<String> options) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell which java runs")));
        List<String> inherited = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> Stream.concat(CACHE_OPTIONS.stream(), EXCLUSIVE_OPTIONS.stream()).noneMatch(option::startsWith))
                .toList();
        command.addAll(inherited);
        if (inherited.stream().noneMatch(option -> option.startsWith("-Xmx"))) command.add(TRAINING_HEAP);
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN));
        return command;
    }

    /** A JVM told to use the cache or fail ({@code -XX:AOTMode=on}) starts with it: the JDK accepts it. */
    private static void checkUsable(Path cache) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(thisJvm(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache)));
        command.add("--version");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // the options are on the command line already: JAVA_TOOL_OPTIONS would add them twice
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        Path said = cache.resolveSibling("check.log");
        Process check = builder.redirectOutput(said.toFile()).start();
        if (!check.waitFor(CHECK_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            check.destroyForcibly().waitFor();
            throw new IllegalStateException("a JVM given the cache did not start within " + CHECK_LIMIT.toSeconds() + " s");
        }
        if (check.exitValue() != 0) {
            throw new IllegalStateException("the JVM refuses the cache it made: " + Files.readString(said, StandardCharsets.UTF_8).strip());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
