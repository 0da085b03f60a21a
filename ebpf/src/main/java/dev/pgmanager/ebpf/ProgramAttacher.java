package dev.pgmanager.ebpf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the packaged BPF object, attaches its programs to a cgroup and pins links and maps. Afterwards this process
 * holds nothing: the pins keep everything alive, and every user (this loader included) reopens them by path.
 * On failure nothing stays pinned or attached.
 */
final class ProgramAttacher {
    // struct bpf_object_open_opts (libbpf 1.x): sz, object_name, relaxed_maps, pin_root_path, (removed u32), kconfig,
    // btf_custom_path, kernel_log_buf, kernel_log_size, kernel_log_level.
    private static final long OPEN_OPTIONS_SIZE = 80;
    private static final long KERNEL_LOG_BUF_OFFSET = 56;
    private static final long KERNEL_LOG_SIZE_OFFSET = 64;
    private static final int VERIFIER_LOG_SIZE = 1 << 20;
    private static final int VERIFIER_LOG_TAIL_LINES = 12;

    private final Libbpf libbpf;

    ProgramAttacher(Libbpf libbpf) {
        this.libbpf = libbpf;
    }

    void attach(Path cgroup, PinLayout pins) throws RewriterUnavailable {
        Path objectFile = BpfObjectResource.extract();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment verifierLog = arena.allocate(VERIFIER_LOG_SIZE);
            MemorySegment options = arena.allocate(OPEN_OPTIONS_SIZE, Long.BYTES);
            options.set(ValueLayout.JAVA_LONG, 0, OPEN_OPTIONS_SIZE);
            options.set(ValueLayout.ADDRESS, KERNEL_LOG_BUF_OFFSET, verifierLog);
            options.set(ValueLayout.JAVA_LONG, KERNEL_LOG_SIZE_OFFSET, VERIFIER_LOG_SIZE);
            MemorySegment object = libbpf.openObject(objectFile.toString(), options);
            try {
                load(object, verifierLog);
                pinAndAttach(object, cgroup, pins);
            } finally {
                libbpf.closeObject(object);
            }
        } catch (NativeCallFailed e) {
            throw new RewriterUnavailable("cannot open the BPF object: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(objectFile);
            } catch (IOException ignored) {
                // a stray file in the temporary directory: harmless
            }
        }
    }

    private void load(MemorySegment object, MemorySegment verifierLog) throws RewriterUnavailable {
        try {
            libbpf.loadObject(object);
        } catch (NativeCallFailed e) {
            if (e.errno() == Libc.EPERM) {
                throw new RewriterUnavailable("loading BPF programs is not permitted (needs root, or CAP_BPF and "
                        + "CAP_NET_ADMIN): " + e.getMessage());
            }
            String log = verifierLog.getString(0).strip();
            throw new RewriterUnavailable("the kernel refused the BPF program: " + e.getMessage()
                    + (log.isEmpty() ? "" : "; verifier log ends with:\n" + tail(log)));
        }
    }

    private void pinAndAttach(MemorySegment object, Path cgroup, PinLayout pins) throws RewriterUnavailable {
        int cgroupFd;
        try {
            cgroupFd = Libc.openDirectory(cgroup.toString());
        } catch (NativeCallFailed e) {
            throw new RewriterUnavailable("cannot open the cgroup: " + e.getMessage());
        }
        try {
            libbpf.pinMap(libbpf.map(object, PinLayout.REWRITES), pins.map(PinLayout.REWRITES).toString());
            libbpf.pinMap(libbpf.map(object, PinLayout.EVENTS), pins.map(PinLayout.EVENTS).toString());
            for (Hook hook : Hook.values()) {
                MemorySegment link = libbpf.attachCgroup(libbpf.program(object, hook.programName()), cgroupFd,
                        hook.programName() + " to " + cgroup);
                try {
                    libbpf.pinLink(link, pins.link(hook).toString());
                } finally {
                    libbpf.destroyLink(link); // the pin holds it now; unpinned, this detaches it
                }
            }
        } catch (NativeCallFailed e) {
            undo(pins);
            String why = e.errno() == Libc.EPERM || e.errno() == Libc.EACCES
                    ? " (attaching needs root, or CAP_BPF and CAP_NET_ADMIN, and a writable bpffs)" : "";
            throw new RewriterUnavailable("cannot attach and pin the programs: " + e.getMessage() + why);
        } finally {
            Libc.close(cgroupFd);
        }
    }

    private void undo(PinLayout pins) {
        try {
            PinnedObjects.remove(libbpf, pins);
        } catch (NativeCallFailed | IOException ignored) {
            // reported by the caller's message already; what is left is removed by the next attach or detach
        }
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        int from = Math.max(0, lines.length - VERIFIER_LOG_TAIL_LINES);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }
}
