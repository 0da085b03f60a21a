package dev.pgmanager.ebpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Makes sure the pin directory is on a BPF filesystem, mounting bpffs at its usual place when nothing is there. */
final class BpfFilesystem {
    static final Path USUAL_MOUNT = Path.of("/sys/fs/bpf");

    private BpfFilesystem() {}

    /** Checks (and with {@code create}, makes) the pin directory; returns the mount table as it is afterwards. */
    static Mounts preparePinDirectory(Path pinRoot, boolean create, Mounts mounts) throws RewriterUnavailable {
        Path root = pinRoot.toAbsolutePath().normalize();
        if (!onBpffs(root, mounts) && root.startsWith(USUAL_MOUNT)) {
            try {
                Libc.mount("bpf", USUAL_MOUNT.toString(), "bpf");
            } catch (NativeCallFailed e) {
                throw new RewriterUnavailable("bpffs is not mounted at " + USUAL_MOUNT + " and mounting it failed: "
                        + e.getMessage());
            }
            mounts = Mounts.read();
        }
        if (!onBpffs(root, mounts)) {
            String actual = mounts.holding(root).map(m -> m.type() + " at " + m.mountPoint()).orElse("nothing");
            throw new RewriterUnavailable("the pin directory " + root + " is not on a BPF filesystem (it is on " + actual
                    + "); links and maps can only be pinned in bpffs");
        }
        if (create) {
            try {
                Files.createDirectories(root);
            } catch (IOException e) {
                throw new RewriterUnavailable("cannot create the pin directory " + root + ": " + e);
            }
        }
        return mounts;
    }

    private static boolean onBpffs(Path path, Mounts mounts) {
        return mounts.holding(path).map(m -> m.type().equals("bpf")).orElse(false);
    }
}
