package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Member records stay readable across a rolling upgrade, both ways: this release reads what older releases wrote,
 * writes what the previous release reads, and reads a newer release's records even where they use words it does not
 * know.
 */
class RecordCodecCompatibilityTest {
    private static final String PATH = "/pgmanager/c/members/m1";

    private static final String MEMBER_BEFORE_NOSYNC = "{\"format\":1,\"machineId\":\"m1\",\"region\":\"ams\",\"role\":\"REPLICA\","
            + "\"state\":\"streaming\",\"timeline\":1,\"receivedPosition\":0,\"replayedPosition\":0,"
            + "\"tags\":{\"noFailover\":true,\"priority\":3},\"databasePort\":5432,\"apiPort\":8008,\"updatedAt\":\"2026-03-01T12:00:00Z\"}";

    /** The bytes the previous release (member state as free text) wrote for a streaming replica. */
    private static final String PREVIOUS_RELEASE_MEMBER = "{\"format\":1,\"machineId\":\"m1\",\"region\":\"ams\",\"role\":\"REPLICA\","
            + "\"state\":\"streaming\",\"timeline\":4,\"receivedPosition\":123,\"replayedPosition\":120,"
            + "\"tags\":{\"noFailover\":false,\"priority\":2,\"noSync\":true},\"databasePort\":5433,\"apiPort\":8008,"
            + "\"updatedAt\":\"2026-05-01T12:00:00Z\"}";

    private final RecordCodec codec = new RecordCodec();

    @Test
    void aHandOverRequestWrittenBeforeTheLeadersLastLsnReadsWithoutOneAndTheLsnRoundTrips() {
        String before = "{\"format\":1,\"kind\":\"SWITCHOVER\",\"from\":\"m1\",\"to\":\"m2\",\"requestedAt\":\"2026-12-03T00:00:00Z\"}";
        HandoverRequest request = codec.decode("/pgmanager/c/handover", before.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                HandoverRequest.class);
        assertEquals(new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, "m1", "m2", java.time.Instant.parse("2026-12-03T00:00:00Z")),
                request);
        assertEquals(null, request.lastLsn());

        HandoverRequest stepped = request.withLastLsn(0x1B000028L);
        assertEquals(stepped, codec.decode("/pgmanager/c/handover", codec.encode(stepped), HandoverRequest.class));
    }

    @Test
    void aMemberRecordWrittenBeforeTheNosyncTagReadsAsNotNosync() {
        Member member = decode(MEMBER_BEFORE_NOSYNC);

        assertEquals("m1", member.machineId());
        assertTrue(member.tags().noFailover());
        assertEquals(3, member.tags().priority());
        assertFalse(member.tags().noSync());
    }

    @Test
    void theNosyncTagRoundTrips() {
        Member older = decode(MEMBER_BEFORE_NOSYNC);
        Member tagged = new Member(older.machineId(), older.region(), older.role(), older.state(), older.timeline(),
                older.receivedPosition(), older.replayedPosition(), new Member.Tags(false, 0, true), older.databasePort(),
                older.apiPort(), older.updatedAt());

        assertEquals(tagged, codec.decode(PATH, codec.encode(tagged), Member.class));
    }

    @Test
    void aFullDiskIsWrittenOnlyWhenTrueAndRoundTrips() {
        Member older = decode(PREVIOUS_RELEASE_MEMBER);
        assertFalse(older.diskFull(), "a record written before the disk guard reads as a member with room");
        Member full = new Member(older.machineId(), older.region(), older.role(), older.state(), older.timeline(),
                older.receivedPosition(), older.replayedPosition(), older.tags(), older.databasePort(), older.apiPort(), true,
                older.updatedAt());

        assertEquals(full, codec.decode(PATH, codec.encode(full), Member.class));
        assertTrue(new String(codec.encode(full), java.nio.charset.StandardCharsets.UTF_8).contains("\"diskFull\":true"));
    }

    @Test
    void aRecordWithoutBackupsReadsAsNoneAndIsWrittenWithoutTheField() {
        Member older = decode(PREVIOUS_RELEASE_MEMBER);

        assertEquals(Optional.empty(), older.backups(), "a record written before backups reports none");
        assertFalse(new String(codec.encode(older), StandardCharsets.UTF_8).contains("backups"));
    }

    @Test
    void theLeadersBackupsRoundTripWithEveryFieldWrittenAndAbsentOnesAsNull() throws Exception {
        Member older = decode(PREVIOUS_RELEASE_MEMBER);
        Instant at = Instant.parse("2026-12-03T10:00:00Z");
        Member.Backups backups = new Member.Backups(Optional.of(at), Optional.of("000000040000000000000012"), Optional.empty(),
                Optional.empty(), 3, Optional.of(at.minusSeconds(3600)), Optional.of("20261203-090000F"), Optional.of(at.minusSeconds(3600)),
                1, 52_000_000, Optional.empty(), 60_000, 86_400_000);
        Member leader = new Member(older.machineId(), older.region(), MemberRole.PRIMARY, MemberState.RUNNING, older.timeline(),
                older.receivedPosition(), older.replayedPosition(), older.tags(), older.databasePort(), older.apiPort(), false,
                Optional.of(backups), older.updatedAt());

        byte[] encoded = codec.encode(leader);
        assertEquals(leader, codec.decode(PATH, encoded, Member.class));
        JsonNode written = new ObjectMapper().readTree(encoded).path("backups");
        assertEquals("2026-12-03T10:00:00Z", written.path("lastArchivedAt").asText());
        assertTrue(written.has("walWaitingSince") && written.path("walWaitingSince").isNull(), written.toString());
        assertTrue(written.has("problem") && written.path("problem").isNull(), written.toString());
    }

    @Test
    void aReplicasBackupSourceRoundTripsAndARecordWithoutOneReadsAsNone() throws Exception {
        Member older = decode(PREVIOUS_RELEASE_MEMBER);
        assertEquals(Optional.empty(), older.backupSource(), "a record written before backups from replicas serves none");
        Member replica = new Member(older.machineId(), older.region(), MemberRole.REPLICA, MemberState.STREAMING, older.timeline(),
                older.receivedPosition(), older.replayedPosition(), older.tags(), older.databasePort(), older.apiPort(), false,
                Optional.empty(), Optional.of(new Member.BackupSource(8432, "/data/postgresql", "/var/run/postgresql")), older.updatedAt());

        byte[] encoded = codec.encode(replica);
        assertEquals(replica, codec.decode(PATH, encoded, Member.class));
        assertEquals(8432, new ObjectMapper().readTree(encoded).path("backupSource").path("port").asInt());
        assertTrue(!new ObjectMapper().readTree(codec.encode(older)).has("backupSource"), "none is not written at all");
    }

    @Test
    void backupsWithAFieldMissingAreCorrupt() {
        String json = PREVIOUS_RELEASE_MEMBER.replace("\"updatedAt\"", "\"backups\":{\"lastArchivedAt\":null},\"updatedAt\"");

        assertThrows(CorruptRecordException.class, () -> decode(json));
    }

    @Test
    void thePreviousReleasesMemberRecordReads() {
        Member member = decode(PREVIOUS_RELEASE_MEMBER);

        assertEquals(new Member("m1", "ams", MemberRole.REPLICA, MemberState.STREAMING, 4, 123, 120, new Member.Tags(false, 2, true),
                5433, 8008, Instant.parse("2026-05-01T12:00:00Z")), member);
    }

    @Test
    void thisReleaseWritesTheSameBytesThePreviousReleaseWrote() throws Exception {
        ObjectMapper json = new ObjectMapper();

        assertEquals(json.readTree(PREVIOUS_RELEASE_MEMBER), json.readTree(codec.encode(decode(PREVIOUS_RELEASE_MEMBER))));
    }

    /** Every state word the previous release wrote names a state of this one, and is written back unchanged. */
    @ParameterizedTest
    @ValueSource(strings = {"running", "running without the lease", "streaming", "no data", "stopped", "stopped: pg_rewind failed",
            "data directory is not ours"})
    void everyStateWordOfThePreviousReleaseIsKnownAndKept(String word) {
        Member member = decode(PREVIOUS_RELEASE_MEMBER.replace("\"streaming\"", "\"" + word + "\""));

        assertNotEquals(MemberState.UNKNOWN, member.state());
        assertTrue(new String(codec.encode(member), StandardCharsets.UTF_8).contains("\"state\":\"" + word + "\""));
    }

    @Test
    void aStateWordOfANewerReleaseReadsAsUnknown() {
        Member member = decode(PREVIOUS_RELEASE_MEMBER.replace("\"streaming\"", "\"catching up from the archive\""));

        assertEquals(MemberState.UNKNOWN, member.state());
        assertEquals(123, member.receivedPosition());
    }

    @Test
    void aRoleOfANewerReleaseReadsAsUnknown() {
        Member member = decode(PREVIOUS_RELEASE_MEMBER.replace("\"REPLICA\"", "\"WITNESS\""));

        assertEquals(MemberRole.UNKNOWN, member.role());
        assertEquals(MemberState.STREAMING, member.state());
    }

    @Test
    void aMemberRecordWithANullStateIsCorrupt() {
        assertThrows(CorruptRecordException.class, () -> decode(PREVIOUS_RELEASE_MEMBER.replace("\"streaming\"", "null")));
    }

    private Member decode(String json) {
        return codec.decode(PATH, json.getBytes(StandardCharsets.UTF_8), Member.class);
    }
}
