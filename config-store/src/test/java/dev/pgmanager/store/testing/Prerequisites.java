package dev.pgmanager.store.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Something a test needs from the machine that it cannot provide itself: root, eBPF support, dnsmasq, a Docker engine
 * and the image, an environment that names no cluster. Where it is missing a developer's run skips the test with a
 * message naming it; in CI ({@code CI=true}) the test fails with that message instead, because a skipped test there
 * would pass a build whose checks never ran.
 */
public final class Prerequisites {
    /** The variable CI services set (GitHub Actions, GitLab, Buildkite, Jenkins' plugins...); {@code .ci/run} sets it. */
    public static final String CI_VARIABLE = "CI";

    private Prerequisites() {}

    /** Whether this run is CI's, where no test may skip. */
    public static boolean inCi() {
        String value = System.getenv(CI_VARIABLE);
        return value != null && (value.equalsIgnoreCase("true") || value.equals("1"));
    }

    /** Returns when {@code present}; otherwise skips the test naming {@code what} is missing, or fails it in CI. */
    public static void require(boolean present, String what) {
        require(present, () -> what);
    }

    public static void require(boolean present, Supplier<String> what) {
        if (present) return;
        if (inCi()) {
            Assertions.fail("missing prerequisite: " + what.get() + " (" + CI_VARIABLE + "=true: a test that cannot run fails)");
        }
        Assumptions.abort("missing prerequisite: " + what.get() + "; skipped (with " + CI_VARIABLE + "=true this fails)");
    }

    /** Whether this JVM runs as root, which the eBPF tests (cgroup attach, bpffs, addresses on lo) need. */
    public static boolean root() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
