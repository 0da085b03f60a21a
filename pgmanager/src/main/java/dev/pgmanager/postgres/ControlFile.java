package dev.pgmanager.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The cluster state and the latest checkpoint's location read straight from {@code global/pg_control}, for the one
 * place where pg_controldata's start costs: a switchover waits for the control file to say "shut down" and hands over
 * at its checkpoint, each read a process start (5 to 20 ms) between the primary's last WAL and the hand-over.
 *
 * <p>Only the layout of PostgreSQL 13 to 16 (control file version 1300) is known here, and a file is believed only when
 * its CRC-32C matches, as PostgreSQL itself checks it: a version this does not know, a file being rewritten as it was
 * read, or one this process may not read give nothing, and the caller asks pg_controldata ({@link ControlData}).
 */
final class ControlFile {
    /** PG_CONTROL_VERSION of PostgreSQL 13 to 16. */
    private static final int KNOWN_VERSION = 1300;
    /** Where that layout keeps its CRC, which covers every byte before it. */
    private static final int CRC_OFFSET = 288;
    private static final int VERSION_OFFSET = 8;
    private static final int STATE_OFFSET = 16;
    private static final int CHECKPOINT_OFFSET = 32;
    /** PostgreSQL's DBState, in its order; the words are pg_controldata's. */
    private static final List<String> STATES = List.of("starting up", "shut down", "shut down in recovery", "shutting down",
            "in crash recovery", "in archive recovery", "in production");

    /**
     * @param clusterState as pg_controldata words it ({@link ControlData#clusterState()})
     * @param checkpointLocation where the latest checkpoint record starts
     */
    record Snapshot(String clusterState, Lsn checkpointLocation) {
        boolean shutDownCleanly() {
            return clusterState.equals("shut down") || clusterState.equals("shut down in recovery");
        }
    }

    private ControlFile() {}

    /** The control file of the cluster in {@code dataDirectory}, when it can be read and trusted here. */
    static Optional<Snapshot> read(Path dataDirectory) {
        byte[] head = new byte[CRC_OFFSET + Integer.BYTES];
        try (InputStream in = Files.newInputStream(dataDirectory.resolve("global").resolve("pg_control"))) {
            if (in.readNBytes(head, 0, head.length) < head.length) return Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        return parse(head);
    }

    /** The snapshot in the first bytes of a control file, written by a server of this machine's byte order. */
    static Optional<Snapshot> parse(byte[] head) {
        if (head.length < CRC_OFFSET + Integer.BYTES) return Optional.empty();
        ByteBuffer fields = ByteBuffer.wrap(head).order(ByteOrder.nativeOrder());
        if (fields.getInt(VERSION_OFFSET) != KNOWN_VERSION) return Optional.empty();
        CRC32C crc = new CRC32C();
        crc.update(head, 0, CRC_OFFSET);
        if ((int) crc.getValue() != fields.getInt(CRC_OFFSET)) return Optional.empty();
        int state = fields.getInt(STATE_OFFSET);
        if (state < 0 || state >= STATES.size()) return Optional.empty();
        return Optional.of(new Snapshot(STATES.get(state), new Lsn(fields.getLong(CHECKPOINT_OFFSET))));
    }
}
