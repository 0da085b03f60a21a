package dev.pgmanager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.Versioned;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code /cluster}'s backups: the leader's record says how they stand, or that the cluster has none. */
class ClusterJsonTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final String LEADER = "aaaa0000000001";
    private static final String REPLICA = "bbbb0000000002";
    private static final Member.Backups BACKUPS = new Member.Backups(Optional.of(NOW.minusSeconds(12)),
            Optional.of("000000030000000000000042"), Optional.empty(), Optional.empty(), 2, Optional.of(NOW.minusSeconds(3 * 3600)),
            Optional.of("20261203-090000F"), Optional.of(NOW.minusSeconds(7 * 86400)), 5, 1_200_000_000, Optional.empty(), 60_000,
            86_400_000);

    @Test
    void theLeadersBackupsShowForTheClusterAndOnItsOwnEntry() {
        JsonNode json = ClusterJson.of(cluster(Optional.of(LEADER), Optional.of(BACKUPS)), id -> Optional.empty());

        JsonNode backups = json.path("backups");
        assertTrue(backups.path("enabled").asBoolean());
        assertEquals("2026-12-03T11:59:48Z", backups.path("last_archived_at").asText());
        assertEquals("000000030000000000000042", backups.path("last_archived_wal").asText());
        assertEquals(2, backups.path("failed_archive_attempts").asLong());
        assertEquals("2026-12-03T09:00:00Z", backups.path("last_backup_at").asText());
        assertEquals("20261203-090000F", backups.path("last_backup").asText());
        assertEquals("2026-11-26T12:00:00Z", backups.path("oldest_recovery_point").asText());
        assertEquals(5, backups.path("backups").asInt());
        assertEquals(1_200_000_000, backups.path("repository_bytes").asLong());
        assertEquals(60, backups.path("archive_timeout_seconds").asLong());
        assertEquals(86_400, backups.path("backup_interval_seconds").asLong());
        assertFalse(backups.has("archive_failing_since") || backups.has("wal_waiting_since") || backups.has("problem"),
                "absent values are left out: " + backups);

        JsonNode members = json.path("members");
        assertEquals(LEADER, members.get(0).path("machine_id").asText());
        assertEquals(((ObjectNode) backups.deepCopy()).without("enabled"), members.get(0).path("backups"));
        assertTrue(members.get(1).has("backups") && members.get(1).path("backups").isNull(), "a replica reports none");
    }

    @Test
    void aLeaderWithoutBackupsSaysTheClusterHasNone() {
        JsonNode json = ClusterJson.of(cluster(Optional.of(LEADER), Optional.empty()), id -> Optional.empty());

        assertEquals("{\"enabled\":false}", json.path("backups").toString());
        assertTrue(json.path("members").get(0).path("backups").isNull());
    }

    @Test
    void withoutALeaderNobodyCanTell() {
        JsonNode json = ClusterJson.of(cluster(Optional.empty(), Optional.empty()), id -> Optional.empty());

        assertTrue(json.has("backups") && json.path("backups").isNull(), json.toString());
    }

    private static ClusterSnapshot cluster(Optional<String> leader, Optional<Member.Backups> backups) {
        var members = new TreeMap<String, Member>();
        members.put(LEADER, new Member(LEADER, "ams", MemberRole.PRIMARY, MemberState.RUNNING, 3, 100, 100, Member.Tags.NONE, 5433,
                8008, false, backups, NOW));
        members.put(REPLICA, new Member(REPLICA, "ams", MemberRole.REPLICA, MemberState.STREAMING, 3, 100, 100, Member.Tags.NONE,
                5433, 8008, NOW));
        return new ClusterSnapshot("test", new Versioned<>(ClusterSpec.defaults(), 1), Optional.empty(), members,
                leader.map(id -> new Leader(id, 7, NOW.minusSeconds(3600))), 7, Optional.empty(), List.of(), Optional.empty());
    }
}
