package dev.pgmanager.ebpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this test JVM runs as root, which the eBPF tests need (attaching to cgroups, adding addresses). */
final class Privileges {
    private Privileges() {}

    static boolean root() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
