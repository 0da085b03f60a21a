package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgmanager aot-cache} on the product's jar, as the image's build runs it: the cache it makes is one the JDK
 * loads the sidecar's classes from, and its training member leaves no process and no file behind, good or bad input.
 */
class AotCacheTest {
    /** The product's jar, the image's: the pgmanager module packages it before this module's tests run. */
    private static final Path PRODUCT_JAR = Path.of("../pgmanager/target/pgmanager.jar").toAbsolutePath().normalize();

    @TempDir
    static Path dir;

    private static Path tmp;

    @BeforeAll
    static void requireTheJar() throws IOException {
        assertTrue(Files.isRegularFile(PRODUCT_JAR), "no " + PRODUCT_JAR + ": build the pgmanager module first (./mvnw install)");
        // PostgreSQL runs as its own user below it (we are root): JUnit's directory is closed to others
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        tmp = Files.createDirectories(dir.resolve("tmp"));
    }

    @Test
    void theCacheHoldsTheSidecarsClassesAndTheTrainingLeavesNothingBehind() throws Exception {
        Path cache = dir.resolve("out/pgmanager.aot");
        Path notToBeTouched = dir.resolve("a-members-real-data");
        // the training's sidecar raises its session's CPU share: that session must be its own, not this test's (a shell's);
        // a kernel without autogroups, or with them off, has no share to raise
        Optional<String> ourSession = sessionShare();
        // On a member's machine the environment names the real data directory: the training must not take it
        Result made = pgmanager(Map.of("PGMANAGER_DATA_DIR", notToBeTouched.toString(), "PGMANAGER_API_LISTEN", "0.0.0.0:1"),
                List.of(), "aot-cache", "--output", cache.toString());

        assertEquals(0, made.exit(), made.output());
        assertTrue(made.output().contains("wrote " + cache), made.output());
        assertTrue(Files.size(cache) > 10 << 20, "a cache of " + Files.size(cache) + " bytes");
        assertFalse(Files.exists(notToBeTouched), "the training used the data directory of its environment");
        assertEmpty(tmp);
        assertNoProcessMentions(dir);
        assertEquals(ourSession, sessionShare(), "the training changed its caller's session");
        try (Stream<Path> beside = Files.list(cache.getParent())) {
            assertEquals(List.of(cache), beside.toList(), "only the cache is left beside it");
        }

        // A JVM that must use the cache or fail starts the sidecar's command with its classes from it
        Result loaded = pgmanager(Map.of(), List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache, "-Xlog:class+load"), "run", "--help");
        assertEquals(0, loaded.exit(), loaded.output());
        assertTrue(loaded.output().lines().anyMatch(line -> line.contains("dev.pgmanager.cli.RunCommand source: shared objects file")),
                "the sidecar's command came from the cache");
        assertTrue(loaded.output().lines().anyMatch(line -> line.contains("org.apache.curator.framework.CuratorFrameworkFactory source: shared objects file")),
                "so did the store client, which only a running sidecar loads");
        // Every class the running sidecar loaded is in the cache, and this JVM loads them all at its start: the ZooKeeper
        // client's TLS settings, which ask for the JVM's default TLS context, but none of the JDK's TLS context and trust
        // store (NoTlsDefaultContext stands in for them), nor the failsafe's HTTP client (off)
        assertTrue(loaded.output().lines().anyMatch(line -> line.contains("org.apache.zookeeper.common.X509Util source: shared objects file")),
                "the store client's TLS settings came from the cache");
        for (String never : List.of("sun.security.ssl.SSLContextImpl", "sun.security.x509.X509CertImpl", "jdk.internal.net.http.HttpClientImpl")) {
            assertFalse(loaded.output().lines().anyMatch(line -> line.contains("] " + never + " source:")), never + " was loaded by the sidecar");
        }
    }

    @Test
    void aTrainingStoppedHalfWayStopsItsMemberAndRemovesItsFiles() throws Exception {
        Path cache = dir.resolve("stopped/pgmanager.aot");
        Path output = Files.createTempFile(dir, "output-", ".txt");
        Process training = start(Map.of(), List.of(), output, "aot-cache", "--output", cache.toString());
        try {
            // until its member's PostgreSQL runs: the most there is to clean up
            Await.until(Duration.ofMinutes(2), "the training member's PostgreSQL runs", () -> {
                try (Stream<Path> work = Files.list(tmp)) {
                    return work.anyMatch(path -> Files.exists(path.resolve("data/postmaster.pid")));
                } catch (IOException e) {
                    return false;
                }
            });
            training.destroy();
            assertTrue(training.waitFor(2, TimeUnit.MINUTES), "the training stopped on SIGTERM");

            assertEmpty(tmp);
            assertNoProcessMentions(dir);
            assertFalse(Files.exists(cache), "no cache");
        } finally {
            stopWithDescendants(training);
            Files.delete(output);
        }
    }

    @Test
    void aTrainingThatFailsSaysWhyAndWritesNothing() throws Exception {
        Path cache = dir.resolve("failed/pgmanager.aot");
        Result failed = pgmanager(Map.of(), List.of(), "aot-cache", "--output", cache.toString(), "--pg-bin", dir.resolve("no-such-dir").toString());

        assertEquals(1, failed.exit(), failed.output());
        assertTrue(failed.output().contains("the training sidecar exited"), failed.output());
        assertTrue(failed.output().contains("no-such-dir"), "the sidecar's own words are shown: " + failed.output());
        assertFalse(Files.exists(cache), "no cache");
        try (Stream<Path> beside = Files.list(cache.getParent())) {
            assertEquals(List.of(), beside.toList(), "nothing half written beside it");
        }
        assertEmpty(tmp);
        assertNoProcessMentions(dir);

        Path closed = Files.createDirectories(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Result unreachable = pgmanager(Map.of(), List.of("-Djava.io.tmpdir=" + closed), "aot-cache", "--output", cache.toString());
        assertEquals(2, unreachable.exit(), unreachable.output());
        assertTrue(unreachable.output().contains("the postgres OS user cannot reach") && unreachable.output().contains("chmod o+x " + closed),
                unreachable.output());
        assertFalse(Files.exists(cache), "no cache");

        Result badOutput = pgmanager(Map.of(), List.of(), "aot-cache", "--output", "/proc/no-such-dir/pgmanager.aot");
        assertEquals(2, badOutput.exit(), badOutput.output());
        assertTrue(badOutput.output().contains("cannot make the directory of --output, /proc/no-such-dir"), badOutput.output());

        Result noOutput = pgmanager(Map.of(), List.of(), "aot-cache");
        assertEquals(2, noOutput.exit(), noOutput.output());
        assertTrue(noOutput.output().contains("--output"), noOutput.output());
    }

    private record Result(int exit, String output) {}

    /** The product's jar on this JVM's binary, launched as the image launches it, its temporary files in {@link #tmp}. */
    private static Result pgmanager(Map<String, String> environment, List<String> jvmOptions, String... arguments) throws Exception {
        Path output = Files.createTempFile(dir, "output-", ".txt");
        Process process = start(environment, jvmOptions, output, arguments);
        try {
            assertTrue(process.waitFor(5, TimeUnit.MINUTES), "pgmanager " + String.join(" ", arguments) + " ended");
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            stopWithDescendants(process);
            Files.delete(output);
        }
    }

    /** This process's session's CPU share ({@code /autogroup-N nice K}), where the kernel shares the CPU so. */
    private static Optional<String> sessionShare() throws IOException {
        Path autogroup = Path.of("/proc/self/autogroup");
        Path enabled = Path.of("/proc/sys/kernel/sched_autogroup_enabled");
        if (!Files.exists(autogroup) || !Files.exists(enabled) || Files.readString(enabled).strip().equals("0")) return Optional.empty();
        return Optional.of(Files.readString(autogroup));
    }

    private static Process start(Map<String, String> environment, List<String> jvmOptions, Path output, String... arguments)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:+UseSerialGC",
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", PRODUCT_JAR.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static void stopWithDescendants(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void assertEmpty(Path directory) throws IOException {
        try (Stream<Path> left = Files.list(directory)) {
            assertEquals(List.of(), left.toList(), "the training's temporary files are gone");
        }
    }

    /** No process (a training sidecar, its PostgreSQL) runs with a path under {@code directory} on its command line. */
    private static void assertNoProcessMentions(Path directory) {
        List<String> left = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().filter(line -> line.contains(directory.toString())).isPresent())
                .filter(process -> process.pid() != ProcessHandle.current().pid())
                .map(process -> process.pid() + " " + process.info().commandLine().orElse(""))
                .toList();
        assertEquals(List.of(), left, "processes left behind");
    }
}
