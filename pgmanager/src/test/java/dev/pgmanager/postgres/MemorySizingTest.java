package dev.pgmanager.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory settings from the machine's size, and the size from the cgroup's limit or the kernel's total. */
class MemorySizingTest {
    private static final long MB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void aQuarterForSharedBuffersThreeQuartersForTheCacheATwentiethForMaintenance() {
        assertEquals(Map.of("shared_buffers", "64MB", "effective_cache_size", "192MB", "maintenance_work_mem", "12MB"),
                new MemorySizing(256 * MB).settings());
        assertEquals(Map.of("shared_buffers", "2048MB", "effective_cache_size", "6144MB", "maintenance_work_mem", "409MB"),
                new MemorySizing(8192 * MB).settings());
        // Floors for the tiny and a ceiling for maintenance work on the huge.
        assertEquals(Map.of("shared_buffers", "16MB", "effective_cache_size", "32MB", "maintenance_work_mem", "8MB"),
                new MemorySizing(32 * MB).settings());
        assertEquals("2048MB", new MemorySizing(1024 * 1024 * MB).settings().get("maintenance_work_mem"));
    }

    @Test
    void walBuffersArePostgresqlsOwnRuleWhateverTheSegmentSize() {
        assertEquals(Optional.of("2048kB"), MemorySizing.walBuffersFor("64MB"));
        assertEquals(Optional.of("4096kB"), MemorySizing.walBuffersFor("16384"), "8 kB pages without a unit");
        assertEquals(Optional.of("16384kB"), MemorySizing.walBuffersFor("2GB"), "at most 16 MB");
        assertEquals(Optional.of("16384kB"), MemorySizing.walBuffersFor("1TB"));
        assertEquals(Optional.of("64kB"), MemorySizing.walBuffersFor("1024kB"), "at least 64 kB");
        assertEquals(Optional.empty(), MemorySizing.walBuffersFor("lots"));

        // from the shared buffers the server gets: sized from the machine, or the operator's
        assertEquals("16384kB", new MemorySizing(8192 * MB).settingsWith(Map.of()).get("wal_buffers"));
        assertEquals("8192kB", new MemorySizing(8192 * MB).settingsWith(Map.of("shared_buffers", "256MB")).get("wal_buffers"));
        assertEquals("1MB", new MemorySizing(8192 * MB).settingsWith(Map.of("wal_buffers", "1MB")).get("wal_buffers"));
    }

    @Test
    void theTightestCgroupV2LimitOnTheWayToTheRootWins() throws IOException {
        Path root = dir.resolve("cgroup");
        write(root.resolve("machine.slice/memory.max"), "536870912\n");
        write(root.resolve("machine.slice/app/memory.max"), "max\n");
        Path self = write(dir.resolve("self-cgroup"), "0::/machine.slice/app\n");
        Path meminfo = write(dir.resolve("meminfo"), "MemTotal:       16384000 kB\nMemFree:        1000 kB\n");

        assertEquals(512 * MB, MemorySizing.of(self, root, meminfo).memoryBytes());
    }

    @Test
    void withoutALimitTheKernelsTotalCounts() throws IOException {
        Path root = dir.resolve("cgroup");
        write(root.resolve("memory.max"), "max\n");
        Path self = write(dir.resolve("self-cgroup"), "0::/\n");
        Path meminfo = write(dir.resolve("meminfo"), "MemTotal:         262144 kB\n");

        assertEquals(256 * MB, MemorySizing.of(self, root, meminfo).memoryBytes());
    }

    @Test
    void aCgroupV1LimitOnItsPathCountsInAHybridHierarchyToo() throws IOException {
        Path root = dir.resolve("cgroup");
        write(root.resolve("memory/system.slice/pg.service/memory.limit_in_bytes"), Long.toString(200 * MB));
        write(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712");
        // systemd's unified hierarchy beside v1 controllers: it has no memory.max, so v1's limit is the one
        Path self = write(dir.resolve("self-cgroup"), "9:name=systemd:/system.slice/pg.service\n4:cpu,memory:/system.slice/pg.service\n"
                + "0::/system.slice/pg.service\n");
        Path meminfo = write(dir.resolve("meminfo"), "MemTotal:        1048576 kB\n");

        assertEquals(200 * MB, MemorySizing.of(self, root, meminfo).memoryBytes());
    }

    @Test
    void aCgroupV1LimitCountsAndItsNoLimitValueIsCappedByTheTotal() throws IOException {
        Path root = dir.resolve("cgroup");
        // in a container the mount shows the container's own cgroup as the root, while the path names the host's
        Path self = write(dir.resolve("self-cgroup"), "4:memory:/docker/abc\n0::/docker/abc\n");
        Path meminfo = write(dir.resolve("meminfo"), "MemTotal:        1048576 kB\n");
        write(root.resolve("memory/memory.limit_in_bytes"), Long.toString(300 * MB));
        assertEquals(300 * MB, MemorySizing.of(self, root, meminfo).memoryBytes());

        write(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712");
        assertEquals(1024 * MB, MemorySizing.of(self, root, meminfo).memoryBytes());
    }

    @Test
    void thisMachineHasSomeMemory() {
        assertEquals(true, MemorySizing.ofThisMachine().memoryBytes() >= 64 * MB);
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
