package dev.pgmanager.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuShareTest {
    @TempDir
    Path dir;

    @Test
    void writesTheSidecarsNicenessToItsSessionsGroup() throws Exception {
        Path autogroup = Files.writeString(dir.resolve("autogroup"), "/autogroup-7 nice 0\n");
        Path enabled = Files.writeString(dir.resolve("enabled"), "1\n");
        Path cgroups = Files.writeString(dir.resolve("cgroup"), "0::/\n");
        assertEquals(Optional.empty(), CpuShare.raise(autogroup, enabled, cgroups));
        assertEquals("-5", Files.readString(autogroup));
    }

    @Test
    void aKernelWithoutAutogroupsIsSaidAndLeftAlone() throws Exception {
        Path enabled = Files.writeString(dir.resolve("enabled"), "0\n");
        Path autogroup = Files.writeString(dir.resolve("autogroup"), "/autogroup-7 nice 0\n");
        assertTrue(CpuShare.raise(autogroup, enabled, dir.resolve("none")).orElseThrow().contains("without autogroups"));
        assertEquals("/autogroup-7 nice 0\n", Files.readString(autogroup), "nothing written");
        assertTrue(CpuShare.raise(dir.resolve("missing"), dir.resolve("missing-too"), dir.resolve("none")).orElseThrow()
                .contains("without autogroups"));
    }

    @Test
    void aRefusedWriteIsSaidNotThrown() {
        // a directory cannot be written as a file: as for an unprivileged process, the write fails
        assertTrue(CpuShare.raise(dir, dir.resolve("missing"), dir.resolve("none")).orElseThrow().contains("could not raise"));
    }

    @Test
    void inAContainersCpuCgroupSessionsDoNotCountAndNothingIsWritten() throws Exception {
        Path autogroup = Files.writeString(dir.resolve("autogroup"), "/autogroup-7 nice 0\n");
        Path enabled = Files.writeString(dir.resolve("enabled"), "1\n");
        Path cgroups = Files.writeString(dir.resolve("cgroup"), "0::/system.slice/docker-0123.scope\n");
        assertTrue(CpuShare.raise(autogroup, enabled, cgroups).orElseThrow().contains("docker-0123.scope"));
        assertEquals("/autogroup-7 nice 0\n", Files.readString(autogroup));
    }

    @Test
    void turnsAutogroupSchedulingOffOnceAndSaysSo() throws Exception {
        Path enabled = Files.writeString(dir.resolve("enabled"), "1\n");
        Path cgroups = Files.writeString(dir.resolve("cgroup"), "4:memory:/process_api/6c36\n1:cpu:/\n0::/\n");
        assertTrue(CpuShare.turnAutogroupsOff(enabled, cgroups).orElseThrow().contains("turned the kernel's autogroup scheduling off"));
        assertEquals("0", Files.readString(enabled));
        assertEquals(Optional.empty(), CpuShare.turnAutogroupsOff(enabled, cgroups), "already off: nothing to say");
        assertEquals("0", Files.readString(enabled));
    }

    @Test
    void aContainersSidecarLeavesTheHostsSwitchAlone() throws Exception {
        Path enabled = Files.writeString(dir.resolve("enabled"), "1\n");
        Path cgroups = Files.writeString(dir.resolve("cgroup"), "0::/system.slice/docker-0123.scope\n");
        assertTrue(CpuShare.turnAutogroupsOff(enabled, cgroups).orElseThrow().contains("docker-0123.scope"));
        assertEquals("1\n", Files.readString(enabled));
    }

    @Test
    void aKernelWithoutTheSwitchHasNothingToTurnOff() {
        assertEquals(Optional.empty(), CpuShare.turnAutogroupsOff(dir.resolve("missing"), dir.resolve("none")));
        // a directory reads as nothing: as a kernel without the switch
        assertEquals(Optional.empty(), CpuShare.turnAutogroupsOff(dir, dir.resolve("none")));
    }

    @Test
    void aSwitchThatRefusesTheWriteIsSaidNotThrown() {
        // a kernel file that takes no writes, whoever writes it (root included), as a container's read-only /proc/sys
        assertTrue(CpuShare.turnAutogroupsOff(Path.of("/proc/version"), dir.resolve("none")).orElseThrow()
                .contains("could not turn the kernel's autogroup scheduling off"));
    }

    @Test
    void theCpuCgroupIsTheV1CpuHierarchysElseTheUnifiedOne() {
        assertEquals(Optional.of("/"), CpuShare.cpuCgroup("4:memory:/process_api/6c36\n1:cpu:/\n0::/pgmanager-local-1/m\n"));
        assertEquals(Optional.of("/docker/abc"), CpuShare.cpuCgroup("2:cpu,cpuacct:/docker/abc\n0::/\n"));
        assertEquals(Optional.of("/kubepods/x"), CpuShare.cpuCgroup("0::/kubepods/x\n"));
        assertEquals(Optional.empty(), CpuShare.cpuCgroup(""));
    }
}
