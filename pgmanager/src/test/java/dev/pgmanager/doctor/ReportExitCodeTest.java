package dev.pgmanager.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.CommandRun;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The doctor's exit code as its usage documents it: scripts and monitoring act on it. */
class ReportExitCodeTest {
    private static final Finding OK = Finding.ok("store", "c", "quorate");
    private static final Finding WARNING = Finding.warning("disk", "m1", "82% used", "grow the volume");
    private static final Finding CRITICAL = Finding.critical("member", "m2", "not running", "pgmanager restart m2");

    @Test
    void everyFindingOkIsHealthy() {
        assertEquals(0, report(List.of(OK, OK)).exitCode());
    }

    @Test
    void warningsOnlyExitWithOne() {
        assertEquals(1, report(List.of(OK, WARNING)).exitCode());
        assertEquals(1, report(List.of(WARNING)).exitCode());
    }

    @Test
    void aCriticalFindingExitsWithOne() {
        assertEquals(1, report(List.of(OK, WARNING, CRITICAL)).exitCode());
    }

    @Test
    void nothingExaminedExitsWithTwoWhateverWasFound() {
        assertEquals(2, new Report("c", List.of(), Optional.of("no store and no member answered")).exitCode());
        assertEquals(2, new Report("c", List.of(WARNING), Optional.of("no store and no member answered")).exitCode());
    }

    @Test
    void theUsageDocumentsTheseCodes() {
        String usage = CommandRun.of("doctor", "--help").out();

        assertTrue(usage.matches("(?s).*\\b0\\s+healthy: every finding is ok.*"), usage);
        assertTrue(usage.matches("(?s).*\\b1\\s+at least one warning or critical finding.*"), usage);
        assertTrue(usage.matches("(?s).*\\b2\\s+could not run.*"), usage);
    }

    private static Report report(List<Finding> findings) {
        return new Report("c", findings, Optional.empty());
    }
}
