package dev.pgmanager.platform;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's AOT cache the local cluster's JVMs start with ({@code pgmanager aot-cache}): a sidecar starts in about half
 * the time with it. It sits beside the jar they run from and is made once per build of that jar, by a training run with
 * the sidecars' own JVM options (a cache records them); a cache older than the jar is not used. When they run from
 * classes (the tests), there is no jar and no cache: the JDK caches only what comes from jars.
 */
final class SidecarAotCache {
    private static final Duration TRAINING_LIMIT = Duration.ofMinutes(5);

    private SidecarAotCache() {}

    /** The cache, when the class path is one jar and the cache beside it was made from it. */
    static Optional<Path> fresh() {
        return jar().map(SidecarAotCache::cacheOf).filter(SidecarAotCache::isFresh);
    }

    /**
     * Makes the cache if the jar has none yet, one local command at a time (the others wait, then find it made).
     * Failing to make it costs only speed: it is reported, and the cluster starts without.
     */
    static void ensure(PrintStream progress) {
        Optional<Path> jar = jar();
        if (jar.isEmpty()) return;
        Path cache = cacheOf(jar.get());
        Path lock = cache.resolveSibling(cache.getFileName() + ".lock");
        Path log = cache.resolveSibling(cache.getFileName() + ".log");
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                var held = channel.lock()) {
            if (isFresh(cache)) return;
            progress.println("making the JDK's AOT cache for the sidecars, once per build of " + jar.get().getFileName()
                    + " (about 10 s; they start in about half the time with it)");
            Instant start = Instant.now();
            Process training = new ProcessBuilder(LocalProcesses.javaCommand(List.of("aot-cache", "--output", cache.toString())))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!training.waitFor(TRAINING_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                training.destroy();
                training.waitFor(TRAINING_LIMIT.toSeconds(), TimeUnit.SECONDS);
            }
            if (training.isAlive() || training.exitValue() != 0 || !isFresh(cache)) {
                training.destroyForcibly();
                progress.println("could not make the AOT cache (see " + log + "): the sidecars start without it");
                return;
            }
            progress.printf("made %s in %.1f s%n", cache, Duration.between(start, Instant.now()).toMillis() / 1000.0);
        } catch (IOException e) {
            progress.println("could not make the AOT cache (" + e.getMessage() + "): the sidecars start without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private static boolean isFresh(Path cache) {
        try {
            Path jar = jar().orElseThrow();
            return Files.isRegularFile(cache) && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
