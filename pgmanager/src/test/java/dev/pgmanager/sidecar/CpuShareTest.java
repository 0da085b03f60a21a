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
        assertEquals(Optional.empty(), CpuShare.raise(autogroup, enabled));
        assertEquals("-5", Files.readString(autogroup));
    }

    @Test
    void aKernelWithoutAutogroupsIsSaidAndLeftAlone() throws Exception {
        Path enabled = Files.writeString(dir.resolve("enabled"), "0\n");
        Path autogroup = Files.writeString(dir.resolve("autogroup"), "/autogroup-7 nice 0\n");
        assertTrue(CpuShare.raise(autogroup, enabled).orElseThrow().contains("without autogroups"));
        assertEquals("/autogroup-7 nice 0\n", Files.readString(autogroup), "nothing written");
        assertTrue(CpuShare.raise(dir.resolve("missing"), dir.resolve("missing-too")).orElseThrow().contains("without autogroups"));
    }

    @Test
    void aRefusedWriteIsSaidNotThrown() {
        // a directory cannot be written as a file: as for an unprivileged process, the write fails
        assertTrue(CpuShare.raise(dir, dir.resolve("missing")).orElseThrow().contains("could not raise"));
    }
}
