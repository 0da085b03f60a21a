package dev.pgmanager.ebpf;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A process of its own that opens the rewriter and prints the outcome, for {@link RefusalTest} to run as an
 * unprivileged user: the test JVM itself runs as root (as CI does) and cannot drop its capabilities.
 * Arguments: the pin root and the cgroup. Prints {@code off: <reason>} or {@code running}.
 */
public final class UnprivilegedOpen {
    private UnprivilegedOpen() {}

    public static void main(String[] args) {
        RewriterStatus status = StaleAddressRewriter.open(new RewriterSettings(Path.of(args[0]), Optional.of(Path.of(args[1]))));
        if (status instanceof RewriterStatus.Running(var rewriter)) {
            rewriter.detach();  // it must not have worked, but leave nothing attached if it did
            System.out.println("running");
        } else {
            System.out.println("off: " + ((RewriterStatus.Off) status).reason());
        }
    }
}
