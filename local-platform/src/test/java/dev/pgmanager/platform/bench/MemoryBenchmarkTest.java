package dev.pgmanager.platform.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.platform.bench.MemoryBenchmark.Sidecar;
import dev.pgmanager.store.testing.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench memory}: what it measures is the JVMs it says, and it leaves nothing running. */
class MemoryBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void measuresTheIdleJvmAndEachSidecarOfBothStoreModesThenStopsThemAll() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (members get fdaa: addresses on lo)");
        Prerequisites.require(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jcmd")), "the JDK's jcmd");
        // under /tmp and traversable: PostgreSQL runs as the postgres user
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        MemoryBenchmark.Result result = new MemoryBenchmark(new PrintStream(printed, true, StandardCharsets.UTF_8))
                .run(tmp, 3, Duration.ofSeconds(2), Optional.empty(), false);

        // the floor ran nothing of ours but its own main
        LoadedClasses floor = result.floor().classes().orElseThrow();
        assertEquals(1L, floor.byLibrary().get("pgmanager"), "the idle JVM loads only IdleJvm of ours");
        assertTrue(floor.contains("dev.pgmanager.platform.IdleJvm"));
        // each cluster's sidecars, a leader among them; the peers are exactly the ensemble's
        for (List<Sidecar> mode : List.of(result.external(), result.ensemble())) {
            assertEquals(3, mode.size());
            assertEquals(1, mode.stream().filter(Sidecar::leader).count());
        }
        assertTrue(result.external().stream().noneMatch(s -> s.classes().orElseThrow().runsZooKeeperPeer()), "no peer in mode external");
        assertTrue(result.ensemble().stream().allMatch(s -> s.classes().orElseThrow().runsZooKeeperPeer()), "3 peers in mode ensemble");
        for (Sidecar s : Stream.concat(result.external().stream(), result.ensemble().stream()).toList()) {
            ProcessMemory m = s.memory();
            assertTrue(m.residentKb() > result.floor().memory().residentKb(), s + " holds more than a JVM that runs nothing");
            assertTrue(m.proportionalKb() > 0 && m.proportionalKb() <= m.residentKb(), s + ": PSS within RSS");
            assertTrue(m.privateKb() > 0 && m.privateKb() <= m.residentKb(), s + ": private within RSS");
            assertTrue(s.classes().orElseThrow().total() > floor.total(), s + " loaded more classes than the idle JVM");
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("an idle JVM with the sidecars' options (the floor)"), out);
        assertTrue(out.contains("classes loaded at rest, by library"), out);

        // nothing left: the JVMs ended, the clusters' directories removed
        assertFalse(ProcessHandle.of(result.floor().pid()).map(ProcessHandle::isAlive).orElse(false), "the idle JVM ended");
        for (Sidecar s : Stream.concat(result.external().stream(), result.ensemble().stream()).toList()) {
            assertFalse(ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false), s.machineId() + "'s sidecar stopped");
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList());
        }
    }
}
