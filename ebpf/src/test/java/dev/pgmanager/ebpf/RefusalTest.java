package dev.pgmanager.ebpf;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where eBPF cannot work, open returns Off with the reason and throws nothing. */
class RefusalTest {
    @TempDir
    Path temporary;

    @BeforeEach
    void needsLibbpf() {
        boolean loads;
        try {
            Libbpf.load();
            loads = true;
        } catch (RewriterUnavailable e) {
            loads = false;
        }
        assumeTrue(loads, "libbpf.so.1 is not installed; skipped");
    }

    @Test
    void aDirectoryThatIsNotACgroupIsRefused() {
        RewriterStatus status = StaleAddressRewriter.open(new RewriterSettings(RewriterSettings.DEFAULT_PIN_ROOT,
                Optional.of(temporary)));

        String reason = assertInstanceOf(RewriterStatus.Off.class, status).reason();
        assertTrue(reason.contains(temporary + " is not a cgroup v2 directory"), reason);
    }

    @Test
    void aPinDirectoryOutsideBpffsIsRefused() {
        Path pinRoot = temporary.resolve("pins");

        RewriterStatus status = StaleAddressRewriter.open(new RewriterSettings(pinRoot, Optional.empty()));

        String reason = assertInstanceOf(RewriterStatus.Off.class, status).reason();
        assertTrue(reason.contains("the pin directory " + pinRoot + " is not on a BPF filesystem"), reason);
        assertTrue(!Files.exists(pinRoot), "nothing was created");
    }

    @Test
    void openPinnedWithNothingPinnedIsOff() {
        assumeTrue(Privileges.root(), "needs root to look into bpffs; skipped");
        Path pinRoot = Path.of("/sys/fs/bpf/pgmanager-test-nothing-here");

        RewriterStatus status = StaleAddressRewriter.openPinned(new RewriterSettings(pinRoot, Optional.empty()));

        String reason = assertInstanceOf(RewriterStatus.Off.class, status).reason();
        assertTrue(reason.equals("not attached: nothing is pinned under " + pinRoot), reason);
    }

    @Test
    void withoutPrivilegesLoadingIsRefusedWithTheReason() {
        assumeTrue(!Privileges.root(), "runs only without root (CI runs as root); skipped");

        RewriterStatus status = StaleAddressRewriter.open(RewriterSettings.defaults());

        assertInstanceOf(RewriterStatus.Off.class, status);
    }
}
