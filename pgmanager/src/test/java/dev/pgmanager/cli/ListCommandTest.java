package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.api.ClusterJson;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.Versioned;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** How {@code pgmanager list} shows the cluster's backups: in the leader's state, with a line saying what is wrong. */
class ListCommandTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final String LEADER = "aaaa0000000001";
    private static final String REPLICA = "bbbb0000000002";

    /** "-" in a row: the fact is absent. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            archiving and backups work | 12  | -    | 10800 | -                          | running, archive 12s ago, backup 3h ago
            a fresh leader             | -   | -    | -     | -                          | running, nothing archived yet, no backup yet
            archiving fails            | 900 | 840  | 90000 | -                          | running, ARCHIVE FAILING for 14m, backup 25h ago
            backups fail               | 30  | -    | -     | the bucket does not answer | running, archive 30s ago, no backup yet, BACKUPS FAILING
            """)
    void theLeadersStateSaysHowBackupsStand(String name, Long archivedAgo, Long failingFor, Long backupAgo, String problem,
            String state) {
        Member.Backups backups = new Member.Backups(ago(archivedAgo), Optional.empty(), Optional.empty(), ago(failingFor), 7,
                ago(backupAgo), Optional.empty(), Optional.empty(), backupAgo == null ? 0 : 1, 0, Optional.ofNullable(problem), 60_000,
                86_400_000);

        String out = list(cluster(Optional.of(backups)));

        assertTrue(out.contains("*       " + LEADER + "  ams     primary  " + state + "  "), out);
        assertTrue(out.contains(REPLICA + "  ams     replica  streaming  "), "a replica shows its own state only: " + out);
        assertEquals(failingFor != null, out.contains(LEADER + ": WAL archiving has failed since " + ago(failingFor).map(Instant::toString)
                .orElse("") + " (7 failed attempts)"), out);
        assertEquals(problem != null, out.contains(LEADER + ": backups: " + problem), out);
        assertFalse(out.contains("no backups:"), out);
    }

    @Test
    void aClusterWithoutBackupsSaysSoAndWhatItRisks() {
        String out = list(cluster(Optional.empty()));

        assertTrue(out.contains("primary  running, no backups  "), out);
        assertTrue(out.contains("no backups: no bucket is configured (backup.bucket, BUCKET_NAME), so a lost volume cannot be "
                + "recovered"), out);
    }

    private static Optional<Instant> ago(Long seconds) {
        return Optional.ofNullable(seconds).map(NOW::minusSeconds);
    }

    private static String list(ClusterSnapshot cluster) {
        StringWriter text = new StringWriter();
        ListCommand.printTable(ClusterJson.of(cluster, id -> Optional.empty()), new PrintWriter(text, true), NOW);
        return text.toString();
    }

    private static ClusterSnapshot cluster(Optional<Member.Backups> backups) {
        var members = new TreeMap<String, Member>();
        members.put(LEADER, new Member(LEADER, "ams", MemberRole.PRIMARY, MemberState.RUNNING, 3, 100, 100, Member.Tags.NONE, 5433,
                8008, false, backups, NOW));
        members.put(REPLICA, new Member(REPLICA, "ams", MemberRole.REPLICA, MemberState.STREAMING, 3, 100, 100, Member.Tags.NONE,
                5433, 8008, NOW));
        return new ClusterSnapshot("test", new Versioned<>(ClusterSpec.defaults(), 1), Optional.empty(), members,
                Optional.of(new Leader(LEADER, 7, NOW.minusSeconds(3600))), 7, Optional.empty(), List.of(), Optional.empty());
    }
}
