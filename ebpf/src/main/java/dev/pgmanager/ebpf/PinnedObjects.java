package dev.pgmanager.ebpf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Reads and removes what is pinned under a {@link PinLayout}. */
final class PinnedObjects {
    /** Room for struct bpf_link_info; the kernel accepts a larger buffer as long as the tail is zero. */
    private static final long LINK_INFO_SIZE = 256;
    private static final long CGROUP_ID_OFFSET = 16; // after type, id, prog_id and padding to the union's u64

    private PinnedObjects() {}

    /** The cgroup id a pinned link is attached to (0 once the cgroup is gone), or empty when it is not pinned. */
    static OptionalLong cgroupIdOf(Libbpf libbpf, Path linkPin) throws NativeCallFailed {
        if (!Files.exists(linkPin)) {
            return OptionalLong.empty();
        }
        int fd = libbpf.objGet(linkPin.toString());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(LINK_INFO_SIZE, Long.BYTES);
            libbpf.objectInfo(fd, info);
            return OptionalLong.of(info.get(ValueLayout.JAVA_LONG, CGROUP_ID_OFFSET));
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * Detaches every pinned link (for every holder, including a process that still has it open), removes the pins
     * and the pin directory. Goes on past failures and reports them all at the end.
     */
    static void remove(Libbpf libbpf, PinLayout pins) throws NativeCallFailed, IOException {
        List<String> failures = new ArrayList<>();
        NativeCallFailed firstNative = null;
        for (Hook hook : Hook.values()) {
            Path pin = pins.link(hook);
            if (Files.exists(pin)) {
                try {
                    int fd = libbpf.objGet(pin.toString());
                    try {
                        libbpf.linkDetach(fd);
                    } finally {
                        Libc.close(fd);
                    }
                } catch (NativeCallFailed e) {
                    failures.add(e.getMessage());
                    firstNative = firstNative == null ? e : firstNative;
                }
            }
        }
        for (Path pin : pins.all()) {
            Files.deleteIfExists(pin);
        }
        Files.deleteIfExists(pins.root());
        if (firstNative != null) {
            throw firstNative;
        }
    }
}
