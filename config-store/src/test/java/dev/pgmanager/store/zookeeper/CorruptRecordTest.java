package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.CorruptRecordException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Unreadable data in a znode must stop a read, naming the znode, and never pass for an absent record. */
class CorruptRecordTest {
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final String VALID_SPEC_FIELDS =
            "\"loopWaitMillis\":1000,\"maximumLagOnFailoverBytes\":0,\"synchronousMode\":false,\"paused\":false,\"parameters\":{}";

    @Test
    void bytesThatAreNotJson() throws Exception {
        assertCorrupt("members/x1", "not json", "not valid JSON");
    }

    @Test
    void anUnknownFormat() throws Exception {
        assertCorrupt("spec", "{\"format\":99," + VALID_SPEC_FIELDS + "}", "format 99");
    }

    @Test
    void noFormatAtAll() throws Exception {
        assertCorrupt("spec", "{" + VALID_SPEC_FIELDS + "}", "no \"format\"");
    }

    @Test
    void fieldsTheRecordRejects() throws Exception {
        assertCorrupt("leader", "{\"format\":1,\"machineId\":\"m1\",\"epoch\":0,\"acquiredAt\":\"2026-03-01T12:00:00Z\"}",
                "epoch must be at least 1");
    }

    @Test
    void aMissingField() throws Exception {
        assertCorrupt("epoch", "{\"format\":1}", "epoch");
    }

    @Test
    void anEmptyZnode() throws Exception {
        assertCorrupt("handover", "", "empty");
    }

    @Test
    void aMemberFiledUnderAnotherMachineId() throws Exception {
        String member = "{\"format\":1,\"machineId\":\"m2\",\"region\":\"ams\",\"role\":\"REPLICA\",\"state\":\"streaming\","
                + "\"timeline\":1,\"receivedPosition\":0,\"replayedPosition\":0,\"tags\":{\"noFailover\":false,\"priority\":0},"
                + "\"databasePort\":5432,\"apiPort\":8008,\"updatedAt\":\"2026-03-01T12:00:00Z\"}";
        assertCorrupt("members/m1", member, "machine m2");
    }

    private void assertCorrupt(String relativePath, String content, String expectedProblem) throws Exception {
        String cluster = zk.newCluster();
        var store = zk.store(cluster);
        String path = "/pgmanager/" + cluster + "/" + relativePath;
        zk.rawClient().create().creatingParentsIfNeeded().forPath(path, content.getBytes(StandardCharsets.UTF_8));

        var corrupt = assertThrows(CorruptRecordException.class, store::read);

        assertEquals(path, corrupt.location());
        assertTrue(corrupt.getMessage().contains(path), corrupt.getMessage());
        assertTrue(corrupt.getMessage().contains(expectedProblem), corrupt.getMessage());
    }
}
