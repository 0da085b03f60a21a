package dev.pgmanager.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.PageChecksums.Verdict;
import org.junit.jupiter.api.Test;

/** The facts a migrated member's data verification reads from pg_controldata and pg_checksums output. */
class MigratedDataFactsTest {
    private static final String CONTROL = """
            pg_control version number:            1300
            Catalog version number:               202209061
            Database system identifier:           7311111111111111111
            Database cluster state:               shut down in recovery
            Latest checkpoint location:           0/3000028
            Latest checkpoint's TimeLineID:       3
            Data page checksum version:           1
            """;

    @Test
    void aCleanControlFileIsSaneAndItsCrcMatches() {
        ControlData control = ControlData.parse(CONTROL);
        assertTrue(control.crcMatches());
        assertTrue(control.stateIsKnown());
        assertEquals(7311111111111111111L, control.systemIdentifier());
    }

    @Test
    void aCrcMismatchWarningAndAnUnknownStateAreCaught() {
        String damaged = "WARNING: Calculated CRC checksum does not match value stored in file.\n"
                .replace("Calculated", "calculated") + CONTROL.replace("shut down in recovery", "unrecognized status code");
        ControlData control = ControlData.parse(damaged);
        assertFalse(control.crcMatches());
        assertFalse(control.stateIsKnown());
    }

    @Test
    void aCrashedPrimaryOrReplicaIsAKnownState() {
        assertTrue(ControlData.parse(CONTROL.replace("shut down in recovery", "in production")).stateIsKnown());
        assertTrue(ControlData.parse(CONTROL.replace("shut down in recovery", "in archive recovery")).stateIsKnown());
    }

    @Test
    void pgChecksumsVerdicts() {
        assertEquals(Verdict.PASSED, PageChecksums.of(0, "Checksum operation completed\nBad checksums:  0\n").verdict());
        PageChecksums bad = PageChecksums.of(1, "pg_checksums: error: checksum verification failed in file \"base/5/16385\", block 1\n"
                + "Bad checksums:  1\n");
        assertEquals(Verdict.FAILED, bad.verdict());
        assertTrue(bad.summary().contains("base/5/16385"), bad.summary());
        assertEquals(Verdict.NOT_ENABLED, PageChecksums.of(1, "pg_checksums: error: data checksums are not enabled in cluster\n").verdict());
    }
}
