package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code pgbackrest info --output=json} as pgBackRest 2.45 prints it (taken from a real local cluster). */
class RepositoryInfoTest {
    private static final String INFO = """
            [{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"00000001000000000000000C",
              "min":"000000010000000000000001"}],
              "backup":[
               {"archive":{"start":"000000010000000000000005","stop":"000000010000000000000006"},
                "backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,
                "info":{"delta":23211200,"repository":{"delta":2836234,"size":2836234},"size":23211200},
                "label":"20261203-080445F","lsn":{"start":"0/5000028","stop":"0/6000050"},"prior":null,"reference":null,
                "timestamp":{"start":1796285085,"stop":1796285087},"type":"full"},
               {"archive":{"start":"000000010000000000000008","stop":"000000010000000000000008"},
                "backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":true,
                "info":{"delta":1,"repository":{"delta":1,"size":1},"size":23211200},
                "label":"20261203-080445F_20261203-081000D","lsn":{"start":"0/8000028","stop":"0/8000100"},
                "prior":"20261203-080445F","reference":["20261203-080445F"],
                "timestamp":{"start":1796285400,"stop":1796285402},"type":"diff"},
               {"archive":{"start":"00000001000000000000000A","stop":"00000001000000000000000A"},
                "backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,
                "info":{"delta":5,"repository":{"delta":387,"size":2836000},"size":23211204},
                "label":"20261203-080445F_20261203-081500D","lsn":{"start":"0/A000028","stop":"0/A000138"},
                "prior":"20261203-080445F","reference":["20261203-080445F"],
                "timestamp":{"start":1796285700,"stop":1796285702},"type":"diff"}],
              "cipher":"none","db":[{"id":1,"repo-key":1,"system-id":7714985667989600024,"version":"15"}],"name":"local",
              "repo":[{"cipher":"none","key":1,"status":{"code":0,"message":"ok"}}],
              "status":{"code":0,"lock":{"backup":{"held":false}},"message":"ok"}}]
            """;

    @Test
    void readsTheBackupsOldestFirstLeavingOutTheOnesWithErrors() {
        RepositoryInfo info = RepositoryInfo.parse(INFO, "local");
        assertTrue(info.stanzaExists());
        assertEquals(List.of("20261203-080445F", "20261203-080445F_20261203-081500D"),
                info.backups().stream().map(BackupSet::label).toList());
        BackupSet full = info.backups().getFirst();
        assertTrue(full.full());
        assertEquals(Optional.empty(), full.prior());
        assertEquals(Instant.ofEpochSecond(1796285087), full.stopped());
        assertEquals("0/6000050", full.stopLsn());
        assertEquals(23211200, full.sizeBytes());
        assertEquals(2836234, full.storedBytes());
        BackupSet diff = info.latest().orElseThrow();
        assertEquals(Optional.of("20261203-080445F"), diff.prior());
        assertEquals("20261203-080445F", info.latestFull().orElseThrow().label());
        assertEquals(Optional.of("000000010000000000000001"), info.archiveMin());
        assertEquals(Optional.of("00000001000000000000000C"), info.archiveMax());
    }

    @Test
    void aStanzaThatIsNotThereYetHasNoBackups() {
        String missing = """
                [{"archive":[],"backup":[],"cipher":"none","db":[],"name":"fresh","repo":[{"cipher":"none","key":1,
                  "status":{"code":1,"message":"missing stanza path"}}],"status":{"code":1,"lock":{"backup":{"held":false}},
                  "message":"missing stanza path"}}]
                """;
        RepositoryInfo info = RepositoryInfo.parse(missing, "fresh");
        assertFalse(info.stanzaExists());
        assertEquals("missing stanza path", info.status());
        assertEquals(List.of(), info.backups());
        assertEquals(Optional.empty(), info.archiveMax());
    }

    @Test
    void anotherStanzaOrNonsenseIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> RepositoryInfo.parse(INFO, "other"));
        assertThrows(IllegalArgumentException.class, () -> RepositoryInfo.parse("ERROR: [039]: HTTP request failed", "local"));
    }
}
