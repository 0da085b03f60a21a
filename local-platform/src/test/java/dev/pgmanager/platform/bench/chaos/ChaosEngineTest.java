package dev.pgmanager.platform.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.ha.SynchronousMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chaos suite itself, short: three rounds of different faults on a real local cluster, and its safety checks must
 * pass. Cutting a member off from its peers needs root (packet filter, cgroups); without it that round crashes a
 * replica instead.
 */
class ChaosEngineTest {
    private static final Duration LEASE = ChaosEngine.DEFAULT_SESSION_TIMEOUT;

    @Test
    void aCrashAPartitionAndAFrozenPrimaryLeaveOneConsistentHistory() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        List<FaultRound> plan = List.of(
                FaultRound.of(1, Fault.CRASH_PRIMARY_POSTGRES, true, LEASE),
                root ? FaultRound.of(2, Fault.CUT_FROM_PEERS, true, LEASE) : FaultRound.of(2, Fault.CRASH_MEMBER, false, LEASE),
                // The GC-pause case: a failover while the old primary's sidecar is frozen, then its return.
                FaultRound.of(3, Fault.PAUSE_SIDECAR, true, LEASE));
        Path dir = Files.createTempDirectory("pgmanager-chaos-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(printed, System.out), true, StandardCharsets.UTF_8);

        ChaosReport report = new ChaosEngine(new ChaosEngine.Settings(3, 2, LEASE, SynchronousMode.ON), out).run(dir, plan);
        report.print(out);

        assertTrue(report.safe(), "safety checks:\n" + printed.toString(StandardCharsets.UTF_8));
        assertEquals(3, report.rounds().size());
        for (RoundResult round : report.rounds()) {
            assertTrue(round.acknowledged() > 0, "writes acknowledged in round " + round.round().number());
            assertTrue(round.recoveryMillis() <= report.bound().toMillis(), "round " + round.round().number() + " converged in time");
        }
        assertFalse(Files.exists(dir), "the cluster's directory is removed");
        if (root) {
            Process rules = new ProcessBuilder("ip6tables", "-S").redirectErrorStream(true).start();
            String listed = new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            rules.waitFor();
            assertFalse(listed.contains("pgm-chaos-" + Integer.toHexString(dir.toAbsolutePath().normalize().hashCode())),
                    "the partition's rules are removed:\n" + listed);
        }
    }

    /** Prints to the console and keeps a copy for the assertion message. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
