package dev.pgmanager.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a local member's PostgreSQL keeps in the machine's memory outside its processes: the small System V segment every
 * one of its processes attaches (its key and ID on the lock file's seventh line) and its dynamic shared memory, files in
 * {@code /dev/shm} that its processes map. A server that exits removes both; one killed leaves them until a server starts
 * on the same data directory and removes its predecessor's, which never happens to a member killed and then deleted
 * (every crash test's old primary left them on the machine). A machine that loses power loses them with its memory:
 * {@code local kill} plays that too, noting them before the kill ({@link #of}) and removing them after it
 * ({@link #removeOnceUnused}); {@code local down} does the same for a server killed while it stopped (fenced).
 *
 * @param processes the postmaster and its descendants when noted
 * @param systemV the System V segment's key and ID, if the lock file named one
 * @param dynamic the {@code /dev/shm} files the processes mapped, each with its inode
 */
record ServerSharedMemory(List<ProcessHandle> processes, Optional<SystemVSegment> systemV, Map<Path, Long> dynamic) {
    private static final Path SHM = Path.of("/dev/shm");
    private static final String DYNAMIC_PREFIX = "PostgreSQL.";
    private static final Path SYSTEM_V_TABLE = Path.of("/proc/sysvipc/shm");

    /** A System V shared memory segment: its key and its ID. */
    record SystemVSegment(long key, long id) {}

    ServerSharedMemory {
        processes = List.copyOf(processes);
        dynamic = Map.copyOf(dynamic);
    }

    /** What the server of {@code dataDirectory}, led by {@code postmaster}, holds now. */
    static ServerSharedMemory of(Path dataDirectory, ProcessHandle postmaster) {
        List<ProcessHandle> processes = Stream.concat(Stream.of(postmaster), postmaster.descendants()).toList();
        Map<Path, Long> dynamic = processes.stream().flatMap(p -> mappedFiles(p.pid())).filter(m -> isDynamicSegment(m.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a));
        return new ServerSharedMemory(processes, systemVSegment(dataDirectory, postmaster.pid()), dynamic);
    }

    /**
     * Once every process noted has exited (10 s at most), removes the segments no process maps any longer: each dynamic
     * one that is still the file noted (same inode: a name another server took since is its), and the System V one if it
     * is still the one noted (same key) and nothing attaches it. Removes nothing while one of the processes lives on.
     */
    void removeOnceUnused() {
        Instant deadline = Instant.now().plusSeconds(10);
        for (ProcessHandle process : processes) {
            if (!LocalProcesses.waitForExit(process, Duration.between(Instant.now(), deadline))) return;
        }
        dynamic.forEach((file, inode) -> {
            try {
                if (inode.equals(Files.getAttribute(file, "unix:ino"))) Files.delete(file);
            } catch (IOException | RuntimeException e) {
                // gone already, or left as PostgreSQL itself would have left it
            }
        });
        systemV.filter(ServerSharedMemory::unattached).ifPresent(ServerSharedMemory::remove);
    }

    private static boolean isDynamicSegment(Path file) {
        return SHM.equals(file.getParent()) && file.getFileName().toString().startsWith(DYNAMIC_PREFIX);
    }

    /**
     * The files {@code pid} maps and their inodes, from /proc/PID/maps (address, permissions, offset, device, inode,
     * path); none once it is gone. A file unlinked since it was mapped (" (deleted)") is no longer anyone's to remove.
     */
    private static Stream<Map.Entry<Path, Long>> mappedFiles(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"), StandardCharsets.UTF_8).stream()
                    .map(line -> line.trim().split("\\s+", 6))
                    .filter(fields -> fields.length == 6 && fields[5].startsWith("/") && !fields[5].endsWith(" (deleted)"))
                    .map(fields -> Map.entry(Path.of(fields[5]), Long.parseLong(fields[4]))).distinct()
                    .toList().stream(); // read whole while the file is open
        } catch (IOException | RuntimeException e) {
            return Stream.empty();
        }
    }

    /** The segment the lock file of {@code postmaster} names (its line 7: key and ID), if that lock file is its. */
    private static Optional<SystemVSegment> systemVSegment(Path dataDirectory, long postmaster) {
        try {
            List<String> lock = Files.readAllLines(dataDirectory.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            if (lock.size() < 7 || !lock.getFirst().strip().equals(Long.toString(postmaster))) return Optional.empty();
            String[] keyAndId = lock.get(6).strip().split("\\s+");
            return Optional.of(new SystemVSegment(Long.parseLong(keyAndId[0]), Long.parseLong(keyAndId[1])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the kernel's table still has {@code segment} (same ID and key) with no process attached. */
    private static boolean unattached(SystemVSegment segment) {
        try {
            return systemVTable().anyMatch(f -> f.length > 6 && f[0].equals(Long.toString(segment.key()))
                    && f[1].equals(Long.toString(segment.id())) && f[6].equals("0"));
        } catch (UncheckedIOException unreadable) {
            return false;
        }
    }

    /**
     * What of it is still on the machine, each named: its {@code /dev/shm} files that exist, and its System V segment if
     * the kernel's table still has its ID.
     */
    List<String> stillOnMachine() {
        List<String> left = new ArrayList<>(dynamic.keySet().stream().filter(Files::exists).map(Path::toString).toList());
        systemV.filter(segment -> systemVTable().anyMatch(f -> f.length > 1 && f[1].equals(Long.toString(segment.id()))))
                .ifPresent(segment -> left.add("System V segment " + segment));
        return left;
    }

    /** The kernel's System V shared memory table, a row of fields each: key shmid perms size cpid lpid nattch ... */
    private static Stream<String[]> systemVTable() {
        try {
            return Files.readAllLines(SYSTEM_V_TABLE, StandardCharsets.UTF_8).stream().skip(1).map(l -> l.trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SYSTEM_V_TABLE, e);
        }
    }

    private static void remove(SystemVSegment segment) {
        try {
            Process ipcrm = new ProcessBuilder("ipcrm", "-m", Long.toString(segment.id())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!ipcrm.waitFor(10, TimeUnit.SECONDS)) ipcrm.destroyForcibly();
        } catch (IOException e) {
            // no ipcrm: left as PostgreSQL itself would have left it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
