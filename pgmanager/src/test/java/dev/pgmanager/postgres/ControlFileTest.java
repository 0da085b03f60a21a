package dev.pgmanager.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The control file read directly agrees with pg_controldata on real servers, and a file it cannot trust gives nothing. */
class ControlFileTest {
    private static final String PRIMARY_ID = "c0417f11e00001";
    private static final String REPLICA_ID = "c0417f11e00002";

    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);

    @Test
    void agreesWithPgControldataWhileRunningInRecoveryAndAfterACleanStop() throws Exception {
        PostgresController primary = nodes.node(PRIMARY_ID);
        PostgresController replica = nodes.node(REPLICA_ID);
        primary.initdb();
        primary.start();
        replica.cloneFrom(TestNodes.upstream(primary));
        replica.start();
        TestNodes.execute(primary, "CHECKPOINT");

        assertAgrees(primary, "in production");
        assertAgrees(replica, "in archive recovery");
        primary.stop(StopMode.FAST);
        assertAgrees(primary, "shut down");
        replica.stop(StopMode.FAST);
        assertAgrees(replica, "shut down in recovery");
    }

    @Test
    void givesNothingForAFileItCannotTrust() throws Exception {
        PostgresController primary = nodes.node(PRIMARY_ID);
        primary.initdb();
        byte[] file = Files.readAllBytes(primary.config().dataDirectory().resolve("global/pg_control"));
        assertEquals("shut down", ControlFile.parse(file).orElseThrow().clusterState());

        byte[] flipped = Arrays.copyOf(file, file.length);
        flipped[33] ^= 1; // a bit of the checkpoint's location: the CRC no longer matches
        assertEquals(Optional.empty(), ControlFile.parse(flipped));
        byte[] otherVersion = Arrays.copyOf(file, file.length);
        otherVersion[8] ^= 1; // a layout this does not know, its CRC made right
        assertEquals(Optional.empty(), ControlFile.parse(withCrc(otherVersion)));
        byte[] unknownState = Arrays.copyOf(file, file.length);
        unknownState[16] = 42; // no state PostgreSQL writes, its CRC made right
        assertEquals(Optional.empty(), ControlFile.parse(withCrc(unknownState)));
        assertEquals("shut down", ControlFile.parse(withCrc(Arrays.copyOf(file, file.length))).orElseThrow().clusterState(),
                "the CRC as this test computes it");
        assertEquals(Optional.empty(), ControlFile.parse(Arrays.copyOf(file, 100)), "a short read");
        assertEquals(Optional.empty(), ControlFile.read(root.resolve("not-a-cluster")));
    }

    /** {@code file} with the CRC-32C of its first 288 bytes stored after them, as PostgreSQL stores it. */
    private static byte[] withCrc(byte[] file) {
        var crc = new java.util.zip.CRC32C();
        crc.update(file, 0, 288);
        java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.nativeOrder()).putInt(288, (int) crc.getValue());
        return file;
    }

    private static void assertAgrees(PostgresController server, String state) {
        ControlData reported = server.controlFile();
        ControlFile.Snapshot read = ControlFile.read(server.config().dataDirectory()).orElseThrow();
        assertEquals(state, reported.clusterState(), "pg_controldata");
        assertEquals(new ControlFile.Snapshot(reported.clusterState(), reported.checkpointLocation()), read);
    }
}
