package dev.pgmanager.platform;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's AOT cache the local cluster's sidecars start with ({@code pgmanager aot-cache}): a sidecar starts in about half
 * the time with it. It sits beside the jar they run from and is made by a training run with the sidecars' own JDK and
 * JVM options; a stamp beside it names the jar (size and time), the JDK and the options it was made for, and a cache
 * whose stamp does not match them now is made again rather than refused by every JVM. When they run from classes (the
 * tests), there is no jar and no cache: the JDK caches only what comes from jars.
 */
final class SidecarAotCache {
    /** Longer than the training's own limits together (two starts of 120 s, two stops of 90 s, the check). */
    private static final Duration TRAINING_LIMIT = Duration.ofMinutes(10);

    private SidecarAotCache() {}

    /** The cache, when the class path is one jar and the cache beside it was made for it and for these JVMs. */
    static Optional<Path> fresh() {
        return jar().filter(jar -> stampOf(jar).equals(readStamp(cacheOf(jar)))).map(SidecarAotCache::cacheOf);
    }

    /**
     * Makes the cache if there is none for the jar yet, one command at a time (the others wait, then find it made).
     * Failing to make it costs only speed: it is reported, and the cluster starts without.
     */
    static synchronized void ensure(PrintStream progress) {
        Optional<Path> jar = jar();
        if (jar.isEmpty()) return;
        Path cache = cacheOf(jar.get());
        Path log = sibling(cache, ".log");
        try (FileChannel lock = FileChannel.open(sibling(cache, ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                var held = lock.lock()) {
            if (fresh().isPresent()) return;
            // taken before the training: a jar rebuilt meanwhile no longer matches, and the next command trains again
            String stamp = stampOf(jar.get());
            progress.println("making the JDK's AOT cache for the sidecars, once per build of " + jar.get().getFileName()
                    + " (about 10 s; they start in about half the time with it)");
            Instant start = Instant.now();
            if (!train(cache, log)) {
                progress.println("could not make the AOT cache (see " + log + "): the sidecars start without it");
                return;
            }
            Files.writeString(sibling(cache, ".stamp"), stamp, StandardCharsets.UTF_8);
            progress.printf("made %s in %.1f s%n", cache, Duration.between(start, Instant.now()).toMillis() / 1000.0);
        } catch (IOException e) {
            progress.println("could not make the AOT cache (" + e.getMessage() + "): the sidecars start without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code pgmanager aot-cache} as the sidecars are run; ends it and whatever it started if it takes too long. */
    private static boolean train(Path cache, Path log) throws IOException, InterruptedException {
        Process training = new ProcessBuilder(LocalProcesses.javaCommand(List.of("aot-cache", "--output", cache.toString())))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            if (training.waitFor(TRAINING_LIMIT.toSeconds(), TimeUnit.SECONDS)) return training.exitValue() == 0;
            // SIGTERM: its own clean-up stops the training member and removes its files
            training.destroy();
            if (!training.waitFor(2, TimeUnit.MINUTES)) training.descendants().forEach(ProcessHandle::destroyForcibly);
            return false;
        } finally {
            if (training.isAlive()) {
                training.descendants().forEach(ProcessHandle::destroyForcibly);
                training.destroyForcibly();
            }
        }
    }

    private static Optional<Path> jar() {
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar")) return Optional.empty();
        Path jar = Path.of(classPath).toAbsolutePath();
        return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
    }

    private static Path cacheOf(Path jar) {
        return jar.resolveSibling(jar.getFileName().toString().replaceFirst("\\.jar$", "") + ".aot");
    }

    private static Path sibling(Path cache, String suffix) {
        return cache.resolveSibling(cache.getFileName() + suffix);
    }

    /** What a cache is made for: the jar as it is now, the JDK, and the JVM options of the local cluster's processes. */
    private static String stampOf(Path jar) {
        try {
            return "jar " + Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis() + "\njdk " + LocalProcesses.javaBinary() + " "
                    + System.getProperty("java.runtime.version") + "\noptions " + LocalProcesses.jvmOptions() + "\n";
        } catch (IOException e) {
            return "unknown: " + e.getMessage();
        }
    }

    private static String readStamp(Path cache) {
        try {
            return Files.isRegularFile(cache) ? Files.readString(sibling(cache, ".stamp"), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
