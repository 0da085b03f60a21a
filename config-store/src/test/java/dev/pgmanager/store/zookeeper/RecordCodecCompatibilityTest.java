package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.Member;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Records written by an older version of format 1 still read: a rolling upgrade reads its older peers' records. */
class RecordCodecCompatibilityTest {
    private static final String MEMBER_BEFORE_NOSYNC = "{\"format\":1,\"machineId\":\"m1\",\"region\":\"ams\",\"role\":\"REPLICA\","
            + "\"state\":\"streaming\",\"timeline\":1,\"receivedPosition\":0,\"replayedPosition\":0,"
            + "\"tags\":{\"noFailover\":true,\"priority\":3},\"databasePort\":5432,\"apiPort\":8008,\"updatedAt\":\"2026-03-01T12:00:00Z\"}";

    private final RecordCodec codec = new RecordCodec();

    @Test
    void aMemberRecordWrittenBeforeTheNosyncTagReadsAsNotNosync() {
        Member member = codec.decode("/pgmanager/c/members/m1", MEMBER_BEFORE_NOSYNC.getBytes(StandardCharsets.UTF_8), Member.class);

        assertEquals("m1", member.machineId());
        assertTrue(member.tags().noFailover());
        assertEquals(3, member.tags().priority());
        assertFalse(member.tags().noSync());
    }

    @Test
    void theNosyncTagRoundTrips() {
        Member older = codec.decode("/pgmanager/c/members/m1", MEMBER_BEFORE_NOSYNC.getBytes(StandardCharsets.UTF_8), Member.class);
        Member tagged = new Member(older.machineId(), older.region(), older.role(), older.state(), older.timeline(),
                older.receivedPosition(), older.replayedPosition(), new Member.Tags(false, 0, true), older.databasePort(),
                older.apiPort(), older.updatedAt());

        assertEquals(tagged, codec.decode("/pgmanager/c/members/m1", codec.encode(tagged), Member.class));
    }
}
