package dev.pgmanager.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.Versioned;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The backups check over the leader's record, with a schedule of archive_timeout 60 s (so WAL may wait 3 min
 * before a warning), a backup at least every day (so 36 h before a warning).
 */
class BackupCheckTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final String LEADER = "aaaa0000000001";

    /** Ages in seconds before now; "-" when the fact is absent. Severities are those of the findings, in order. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            all well                       | 12    | -   | -   | 10800  | 2592000 | -                     | OK OK               | WAL is archived as it is completed: the last segment was archived at 2026-12-03T11:59:48Z, 12s ago
            an idle cluster archives none  | 18000 | -   | -   | 10800  | 2592000 | -                     | OK OK               | the last segment was archived at 2026-12-03T07:00:00Z, 5h ago
            WAL waits within the limit     | 12    | 170 | -   | 10800  | 2592000 | -                     | OK OK               | WAL is archived as it is completed
            WAL waits too long             | 300   | 240 | -   | 10800  | 2592000 | -                     | WARNING OK          | a WAL segment completed 4m ago (at 2026-12-03T11:56:00Z) still waits to be archived
            WAL waits over ten minutes     | 900   | 660 | -   | 10800  | 2592000 | -                     | CRITICAL OK         | a WAL segment completed 11m ago
            archiving fails                | 400   | 300 | 300 | 10800  | 2592000 | -                     | WARNING OK          | WAL archiving on the leader aaaa0000000001 has failed for 5m (since 2026-12-03T11:55:00Z, 9 failed attempts): PostgreSQL keeps the WAL on its volume
            archiving fails ten minutes    | 900   | 700 | 660 | 10800  | 2592000 | -                     | CRITICAL OK         | has failed for 11m
            the last backup is late        | 12    | -   | -   | 144000 | 2592000 | -                     | OK WARNING          | the last base backup 20261201-000000F finished 40h ago (at 2026-12-01T20:00:00Z), though the schedule takes one at least every 24h
            the last backup is not late    | 12    | -   | -   | 108000 | 2592000 | -                     | OK OK               | the last base backup 20261201-000000F finished 30h ago; 3 in the repository (1.5 GB), a restore reaches back to 2026-11-26T12:00:00Z
            a new leader has no backup yet | 12    | -   | -   | -      | 1800    | -                     | OK OK               | no base backup yet: the leader aaaa0000000001 takes the first one as it starts leading (30m ago)
            no backup after an hour        | 12    | -   | -   | -      | 7200    | -                     | OK WARNING          | no base backup in the repository, though aaaa0000000001 has led for 2h
            the leader reports a problem   | 12    | -   | -   | 10800  | 2592000 | the bucket is refused | OK OK CRITICAL      | backups on the leader aaaa0000000001 fail: the bucket is refused
            """)
    void judgesTheLeadersBackups(String name, Long archivedAgo, Long waitingFor, Long failingFor, Long backupAgo, long ledFor,
            String problem, String severities, String says) {
        Member.Backups backups = new Member.Backups(ago(archivedAgo), Optional.empty(), ago(waitingFor), ago(failingFor), 9,
                ago(backupAgo), Optional.of("20261201-000000F"), ago(604800L), 3, 1_500_000_000, Optional.ofNullable(problem), 60_000,
                86_400_000);

        List<Finding> findings = examine(Optional.of(LEADER), Optional.of(backups), ledFor);

        assertEquals(Arrays.asList(severities.split(" ")), findings.stream().map(f -> f.severity().name()).toList(), findings.toString());
        assertTrue(findings.stream().anyMatch(f -> f.message().contains(says)), says + " in " + findings);
        assertTrue(findings.stream().allMatch(f -> f.check().equals("backups") && f.subject().equals("c")), findings.toString());
        findings.stream().filter(f -> f.severity() != Severity.OK).forEach(f -> assertTrue(f.fix().isPresent(), f.toString()));
    }

    @Test
    void aClusterWithoutBackupsIsWarnedOfWhatItRisks() {
        List<Finding> findings = examine(Optional.of(LEADER), Optional.empty(), 2592000);

        assertEquals(1, findings.size(), findings.toString());
        assertEquals(Severity.WARNING, findings.getFirst().severity());
        assertTrue(findings.getFirst().message().contains("no backups: the leader aaaa0000000001 has no bucket configured, so a lost "
                + "volume cannot be recovered"), findings.getFirst().message());
        assertEquals(Optional.of("fly storage create -a app (it sets BUCKET_NAME, AWS_ENDPOINT_URL_S3 and the keys as the app's "
                + "secrets), then restart the members"), findings.getFirst().fix());
    }

    @Test
    void withoutALeaderThereIsNothingToJudge() {
        assertEquals(List.of(), examine(Optional.empty(), Optional.empty(), 0));
    }

    private static Optional<Instant> ago(Long seconds) {
        return Optional.ofNullable(seconds).map(NOW::minusSeconds);
    }

    private static List<Finding> examine(Optional<String> leader, Optional<Member.Backups> backups, long ledFor) {
        var members = new TreeMap<String, Member>();
        members.put(LEADER, new Member(LEADER, "ams", MemberRole.PRIMARY, MemberState.RUNNING, 3, 100, 100, Member.Tags.NONE, 5433,
                8008, false, backups, NOW));
        var snapshot = new ClusterSnapshot("c", new Versioned<>(ClusterSpec.defaults(), 1), Optional.empty(), members,
                leader.map(id -> new Leader(id, 7, NOW.minusSeconds(ledFor))), 7, Optional.empty(), List.of(), Optional.empty());
        var store = new StoreFacts("zk:2181", Optional.of(snapshot), Optional.empty(), Map.of(), Map.of(), Optional.empty(),
                Optional.empty());
        var facts = new ClusterFacts("c", store, new TreeMap<>(), new Fixes("--cluster c", Optional.<Path>empty(), "app", "zk:2181",
                "postgres"), UnaryOperator.identity(), name -> Optional.empty());
        return new BackupCheck(Clock.fixed(NOW, ZoneOffset.UTC)).examine(facts);
    }
}
