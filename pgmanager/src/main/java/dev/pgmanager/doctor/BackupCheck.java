package dev.pgmanager.doctor;

import dev.pgmanager.config.Durations;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The cluster has backups, and they keep up: WAL is archived as it is completed, and base backups come on schedule.
 * Judged from the leader's record, since the leader is the one member that archives and takes backups; the schedule
 * the facts are judged by is in the record too, as the leader runs it.
 */
final class BackupCheck implements Check {
    /**
     * Archiving that has failed, or WAL that has waited to be archived, this long is critical whatever the schedule: a
     * lost volume would lose that much of the cluster's writes.
     */
    static final Duration CRITICAL_AFTER = Duration.ofMinutes(10);
    /** Slack past twice archive_timeout for a segment to be pushed to the bucket before its wait is a warning. */
    static final Duration ARCHIVE_SLACK = Duration.ofSeconds(60);
    /** A new leader takes the first full backup at once; that may take a while on a large database. */
    static final Duration FIRST_BACKUP_GRACE = Duration.ofHours(1);

    private final Clock clock;

    BackupCheck(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "backups";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        // Without the store, a leader or its record, other checks say so; there is nothing here to judge.
        Optional<ClusterSnapshot> snapshot = facts.snapshot();
        Optional<Leader> leader = snapshot.flatMap(ClusterSnapshot::leader);
        Optional<Member> record = leader.flatMap(l -> snapshot.get().member(l.machineId()));
        if (record.isEmpty()) return findings;
        String cluster = facts.cluster();
        String leaderId = leader.get().machineId();
        if (record.get().backups().isEmpty()) {
            findings.add(Finding.warning(name(), cluster, "no backups: the leader " + leaderId + " has no bucket configured, so a "
                    + "lost volume cannot be recovered and a mistaken DELETE or DROP cannot be undone", noBucketFix(facts.fixes())));
            return findings;
        }
        Member.Backups backups = record.get().backups().get();
        Instant now = clock.instant();
        findings.add(archive(cluster, leaderId, backups, now, facts.fixes()));
        findings.add(baseBackups(cluster, leader.get(), backups, now, facts.fixes()));
        backups.problem().ifPresent(problem -> findings.add(Finding.critical(name(), cluster, "backups on the leader " + leaderId
                + " fail: " + problem, facts.fixes().pgmanager("backup list") + " shows the repository; the leader's log says more")));
        return findings;
    }

    private Finding archive(String cluster, String leaderId, Member.Backups backups, Instant now, Fixes fixes) {
        String last = backups.lastArchivedAt().map(at -> "the last segment was archived at " + at + ", " + ago(at, now) + " ago")
                .orElse("no segment has been archived yet");
        String fix = fixes.pgmanager("backup list") + " shows the error; the leader's log (and pgBackRest's) says why";
        if (backups.archiveFailingSince().isPresent()) {
            Instant since = backups.archiveFailingSince().get();
            String message = "WAL archiving on the leader " + leaderId + " has failed for " + ago(since, now) + " (since " + since + ", "
                    + backups.failedArchiveAttempts() + " failed attempts): PostgreSQL keeps the WAL on its volume, which fills, "
                    + "and a lost volume would lose every write since; " + last;
            return longerThan(since, now, CRITICAL_AFTER)
                    ? Finding.critical(name(), cluster, message, fix) : Finding.warning(name(), cluster, message, fix);
        }
        // The age of the last archived segment alone would flag an idle cluster, which completes no segment to archive.
        Duration waitLimit = Duration.ofMillis(backups.archiveTimeoutMillis()).multipliedBy(2).plus(ARCHIVE_SLACK);
        Optional<Instant> waiting = backups.walWaitingSince();
        if (waiting.isPresent() && longerThan(waiting.get(), now, waitLimit)) {
            String message = "a WAL segment completed " + ago(waiting.get(), now) + " ago (at " + waiting.get() + ") still waits to be "
                    + "archived on the leader " + leaderId + ", though no attempt failed: the archiver is stuck or far behind, and a "
                    + "lost volume would lose every write since; " + last;
            return longerThan(waiting.get(), now, CRITICAL_AFTER)
                    ? Finding.critical(name(), cluster, message, fix) : Finding.warning(name(), cluster, message, fix);
        }
        return Finding.ok(name(), cluster, "WAL is archived as it is completed: " + last);
    }

    private Finding baseBackups(String cluster, Leader leader, Member.Backups backups, Instant now, Fixes fixes) {
        String fix = fixes.pgmanager("backup create");
        Duration interval = Duration.ofMillis(backups.backupIntervalMillis());
        if (backups.lastBackupAt().isEmpty()) {
            if (longerThan(leader.acquiredAt(), now, FIRST_BACKUP_GRACE)) {
                return Finding.warning(name(), cluster, "no base backup in the repository, though " + leader.machineId() + " has led for "
                        + ago(leader.acquiredAt(), now) + ": a restore has nothing to start from", fix);
            }
            return Finding.ok(name(), cluster, "no base backup yet: the leader " + leader.machineId() + " takes the first one as it "
                    + "starts leading (" + ago(leader.acquiredAt(), now) + " ago)");
        }
        Instant last = backups.lastBackupAt().get();
        String label = backups.lastBackupLabel().map(l -> " " + l).orElse("");
        if (longerThan(last, now, interval.plus(interval.dividedBy(2)))) {
            return Finding.warning(name(), cluster, "the last base backup" + label + " finished " + ago(last, now) + " ago (at " + last
                    + "), though the schedule takes one at least every " + Durations.roughly(interval) + ": a restore replays all "
                    + "the WAL since, and the recovery window is not renewed", fix);
        }
        return Finding.ok(name(), cluster, "the last base backup" + label + " finished " + ago(last, now) + " ago; "
                + backups.backupCount() + " in the repository (" + String.format(Locale.ROOT, "%.1f GB", backups.repositoryBytes() / 1e9)
                + ")" + backups.oldestRecoveryPoint().map(at -> ", a restore reaches back to " + at).orElse(""));
    }

    private static boolean longerThan(Instant since, Instant now, Duration limit) {
        return Duration.between(since, now).compareTo(limit) > 0;
    }

    private static String ago(Instant at, Instant now) {
        return Durations.roughly(Duration.between(at, now));
    }

    private static String noBucketFix(Fixes fixes) {
        return fixes.localDir().isPresent()
                ? "give every member a bucket (backup.bucket, backup.endpoint, backup.access_key_id, backup.secret_access_key, "
                        + "or PGMANAGER_BACKUP_*) and restart them"
                : "fly storage create -a " + fixes.app() + " (it sets BUCKET_NAME, AWS_ENDPOINT_URL_S3 and the keys as the app's "
                        + "secrets), then restart the members";
    }
}
