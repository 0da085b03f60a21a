package dev.pgmanager.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Prerequisites;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where eBPF cannot work, open returns Off with the reason and throws nothing. */
class RefusalTest {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** The uid and gid of nobody (and of nogroup), as on Debian. */
    private static final int NOBODY = 65534;

    @TempDir
    Path temporary;

    @BeforeEach
    void needsLibbpf() {
        boolean loads;
        try {
            Libbpf.load();
            loads = true;
        } catch (RewriterUnavailable e) {
            loads = false;
        }
        Prerequisites.require(loads, "libbpf.so.1 (Debian: libbpf1)");
    }

    @Test
    void aDirectoryThatIsNotACgroupIsRefused() {
        RewriterStatus status = StaleAddressRewriter.open(new RewriterSettings(RewriterSettings.DEFAULT_PIN_ROOT,
                Optional.of(temporary)));

        String reason = assertInstanceOf(RewriterStatus.Off.class, status).reason();
        assertTrue(reason.contains(temporary + " is not a cgroup v2 directory"), reason);
    }

    @Test
    void aPinDirectoryOutsideBpffsIsRefused() {
        Path pinRoot = temporary.resolve("pins");

        RewriterStatus status = StaleAddressRewriter.open(new RewriterSettings(pinRoot, Optional.empty()));

        String reason = assertInstanceOf(RewriterStatus.Off.class, status).reason();
        assertTrue(reason.contains("the pin directory " + pinRoot + " is not on a BPF filesystem"), reason);
        assertTrue(!Files.exists(pinRoot), "nothing was created");
    }

    @Test
    void openPinnedWithNothingPinnedIsOff() {
        Prerequisites.require(Prerequisites.root(), "root (to look into bpffs)");
        Path pinRoot = Path.of("/sys/fs/bpf/pgmanager-test-nothing-here");

        RewriterStatus status = StaleAddressRewriter.openPinned(new RewriterSettings(pinRoot, Optional.empty()));

        String reason = assertInstanceOf(RewriterStatus.Off.class, status).reason();
        assertTrue(reason.equals("not attached: nothing is pinned under " + pinRoot), reason);
    }

    /**
     * Root may do everything, so the refusal is checked in a process of an unprivileged user (nobody) that root starts
     * with setpriv: a pin directory and a cgroup the user owns leave the missing capability as the only obstacle.
     */
    @Test
    void withoutPrivilegesLoadingIsRefusedWithTheReason() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (to start the unprivileged process and give it a cgroup and pins)");
        Prerequisites.require(Files.isExecutable(SETPRIV), "setpriv (Debian: util-linux)");
        String classpath = readableCopyOfTheClasspath();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path pinRoot = Files.createDirectory(Path.of("/sys/fs/bpf/pgmanager-test-refusal-" + suffix));
        try (TestCgroup cgroup = new TestCgroup()) {
            for (Path owned : List.of(pinRoot, cgroup.path)) {
                Files.setAttribute(owned, "unix:uid", NOBODY);
                Files.setAttribute(owned, "unix:gid", NOBODY);
            }

            String output = runAsNobody(classpath, pinRoot, cgroup.path);

            // a line of its own: the JVM or a logging library may warn on the same stream
            assertTrue(output.lines().anyMatch(line -> line.startsWith("off: loading BPF programs is not permitted (needs root, "
                    + "or CAP_BPF and CAP_NET_ADMIN)")), output);
        } finally {
            try (Stream<Path> left = Files.list(pinRoot)) {
                assertEquals(List.of(), left.toList(), "the refused open pinned nothing");
            }
            Files.delete(pinRoot);
        }
    }

    private String runAsNobody(String classpath, Path pinRoot, Path cgroup) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(SETPRIV.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--inh-caps=-all", "--", java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                UnprivilegedOpen.class.getName(), pinRoot.toString(), cgroup.toString())
                .redirectErrorStream(true).start();
        try {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the unprivileged process ended within 60 s");
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            return output;
        } finally {
            process.destroyForcibly();
        }
    }

    /** The test's classpath copied where nobody can read it (the build's may sit under root's home). */
    private String readableCopyOfTheClasspath() throws IOException {
        List<String> copied = new ArrayList<>();
        String entries = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : entries.split(File.pathSeparator)) {
            Path source = Path.of(entry);
            Path target = temporary.resolve(copied.size() + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                try (Stream<Path> tree = Files.walk(source)) {
                    for (Path file : (Iterable<Path>) tree::iterator) {
                        Files.copy(file, target.resolve(source.relativize(file).toString()));
                    }
                }
            } else if (Files.isRegularFile(source)) {
                Files.copy(source, target);
            } else {
                continue;
            }
            copied.add(target.toString());
        }
        try (Stream<Path> tree = Files.walk(temporary)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, copied);
    }
}
