package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.election.LeaseState;
import dev.pgmanager.postgres.PgRole;
import dev.pgmanager.postgres.PgStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's part in backups. On every member it keeps the {@link ArchiveGate} open exactly while the member holds
 * the leader lease. On the leader it also creates the repository's stanza, pushes the WAL of the previous timeline
 * that the former primary did not get to archive, takes the scheduled base backups, removes the backups the recovery
 * window no longer needs, and keeps {@link BackupStatus} current. Each step runs on its own thread, never on the
 * control loop's: a slow bucket must not delay a failover.
 */
public final class BackupKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupKeeper.class);
    /**
     * A new leader creates the stanza within this of its promotion (its WAL waits for it) and the archiver's state is
     * read this often; the bucket is asked only every {@link #INFO_INTERVAL}.
     */
    private static final Duration WORK_INTERVAL = Duration.ofSeconds(2);
    /** How often the repository's contents are read again when nothing changed them: each read lists the bucket. */
    private static final Duration INFO_INTERVAL = Duration.ofMinutes(1);
    private static final Duration BACKUP_TIMEOUT = Duration.ofHours(12);
    private static final Duration VERIFY_TIMEOUT = Duration.ofHours(4);

    /** What the keeper needs of the rest of the sidecar. */
    public interface Member {
        PgStatus localStatus();

        Connection connect(Duration deadline) throws SQLException;

        Path dataDirectory();

        /** The replica a backup should read its files from now: streaming, with a pgBackRest server; empty if none is. */
        Optional<BackupStandby> backupStandby();
    }

    private final BackupConfig.Schedule schedule;
    private final PgBackRest pgBackRest;
    private final ArchiveGate gate;
    /** This member's certificate, with which the leader's backup reads a replica's files; empty: backups from the primary only. */
    private final Supplier<Optional<BackupTls>> tls;
    /** pgBackRest's spool, locks and logs. */
    private final Path workDir;
    private final BooleanSupplier leaseHeld;
    private final Member member;
    private final Clock clock;
    private final ReentrantLock work = new ReentrantLock();
    /** The gate, the archiver's watch and the repository work each on a thread of its own: a hung bucket stalls only the last. */
    private final ScheduledExecutorService threads = Executors.newScheduledThreadPool(3, Thread.ofPlatform().daemon().name("backups-", 0).factory());

    /** Updated by the archiver's watch and the repository work, each changing its own part. */
    private final java.util.concurrent.atomic.AtomicReference<BackupStatus> status = new java.util.concurrent.atomic.AtomicReference<>(BackupStatus.UNKNOWN);
    /** Touched under {@link #work}. */
    private boolean repositoryChecked;
    /** Read by the archiver's watch too: failures before the stanza exists are expected, not an incident. */
    private volatile boolean stanzaReady;
    private boolean previousTimelineArchived;
    private Instant infoReadAt = Instant.EPOCH;
    private Optional<RepositoryInfo> info = Optional.empty();
    private String lastProblem = "";
    /** When this member's current term as leader began; null while it does not lead. */
    private volatile Instant heldSince;
    /**
     * A new leader leaves the repository alone this long: its first seconds belong to the promotion and the writes it
     * takes, not to pgBackRest's processes on a small machine. PostgreSQL archives through the open gate meanwhile;
     * only the stanza check and the catch-up wait.
     */
    private static final Duration SETTLE_AFTER_PROMOTION = Duration.ofSeconds(5);
    /** Touched by the archiver's watch only. */
    private boolean archiveFailing;

    public BackupKeeper(BackupSetup setup, Supplier<Optional<BackupTls>> tls, BooleanSupplier leaseHeld, Member member, Clock clock) {
        this.tls = tls;
        this.schedule = setup.schedule();
        this.pgBackRest = setup.pgBackRest();
        this.gate = setup.gate();
        this.workDir = setup.config().workDir();
        this.leaseHeld = leaseHeld;
        this.member = member;
        this.clock = clock;
        // A gate left by a previous life of this sidecar must not let anything through before the lease says so.
        gate.close();
        long renewMillis = Math.max(100, gate.validity().toMillis() / 3);
        threads.scheduleWithFixedDelay(this::keepGate, 0, renewMillis, TimeUnit.MILLISECONDS);
        threads.scheduleWithFixedDelay(this::workQuietly, 0, WORK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        threads.scheduleWithFixedDelay(this::watchArchiver, WORK_INTERVAL.toMillis(), WORK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes the gate the moment the lease is lost; a new term starts with the stanza and the catch-up checked again. */
    public void onLeaseChange(LeaseState state) {
        if (state == LeaseState.HELD) {
            gate.renew();
            if (heldSince == null) heldSince = clock.instant();
        } else {
            heldSince = null;
            gate.close();
        }
    }

    public BackupStatus status() {
        return status.get();
    }

    private void keepGate() {
        try {
            if (leaseHeld.getAsBoolean()) {
                gate.renew();
                if (heldSince == null) heldSince = clock.instant();
            } else {
                gate.close();
                heldSince = null;
                if (work.tryLock()) {
                    try {
                        stanzaReady = false;
                        previousTimelineArchived = false;
                    } finally {
                        work.unlock();
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("cannot keep the archive gate: {}", e.getMessage());
        }
    }

    private void workQuietly() {
        if (!work.tryLock()) return; // a backup or another pass runs; the next tick comes soon
        try {
            doWork();
            problem(Optional.empty());
        } catch (BackupException e) {
            problem(Optional.of(e.getMessage()));
        } catch (RuntimeException e) {
            log.warn("backup upkeep failed", e);
            problem(Optional.of("backup upkeep failed: " + e));
        } finally {
            work.unlock();
        }
    }

    private void doWork() {
        if (!repositoryChecked) {
            pgBackRest.checkRepository();
            repositoryChecked = true;
            log.info("the backup repository answers ({})", pgBackRest.configFile());
        }
        if (!leadsAPrimary()) return;
        Instant since = heldSince;
        if (!stanzaReady && since != null && Duration.between(since, clock.instant()).compareTo(SETTLE_AFTER_PROMOTION) < 0) return;
        if (!stanzaReady) {
            pgBackRest.stanzaCreate();
            // PostgreSQL's attempts before the stanza existed failed as they had to, and its archiver now waits up to a
            // minute before the next: check switches WAL, which wakes it, and waits until the segment is archived.
            pgBackRest.check();
            stanzaReady = true;
            infoReadAt = Instant.EPOCH;
            log.info("WAL archiving to {} works", pgBackRest.stanza());
        }
        if (!previousTimelineArchived) {
            archivePreviousTimelines();
            previousTimelineArchived = true;
        }
        RepositoryInfo current = repositoryInfo();
        Optional<BackupType> due = BackupSchedule.due(current, clock.instant(), schedule);
        if (due.isPresent()) {
            log.info("a {} backup is due (last backup: {})", due.get(),
                    current.latest().map(b -> b.label() + " at " + b.stopped()).orElse("none"));
            takeBackup(due.get());
            current = repositoryInfo();
        }
        for (String label : RecoveryWindow.expired(current.backups(), clock.instant(), schedule.recoveryWindow())) {
            log.info("removing backup {}: the recovery window of {} no longer needs it", label, schedule.recoveryWindow());
            pgBackRest.expire(label);
            infoReadAt = Instant.EPOCH;
        }
        repositoryInfo();
    }

    private boolean leadsAPrimary() {
        return leaseHeld.getAsBoolean() && member.localStatus().role() == PgRole.PRIMARY;
    }

    /** Takes a backup now, as an operator asked; only the leader's sidecar can. */
    public BackupSet createBackup(BackupType type) {
        work.lock();
        try {
            if (!leadsAPrimary()) {
                throw new BackupException("this member does not lead the cluster: ask the leader (pgmanager backup create finds it)");
            }
            if (!stanzaReady) {
                pgBackRest.stanzaCreate();
                stanzaReady = true;
            }
            takeBackup(type);
            return repositoryInfo().latest().orElseThrow(() -> new BackupException("the backup finished but the repository lists none"));
        } finally {
            work.unlock();
        }
    }

    /**
     * What the repository holds now. Read apart from the repository work (pgbackrest info only reads), so that a list
     * answers while a long backup runs; the work's own view catches up at its next read.
     */
    public RepositoryInfo list() {
        RepositoryInfo fresh = pgBackRest.info();
        status.updateAndGet(current -> current.withRepository(fresh));
        return fresh;
    }

    /** Checks every file in the repository against its checksum; throws naming what is damaged. */
    public String verify() {
        return pgBackRest.verify(VERIFY_TIMEOUT);
    }

    /** Removes a backup an operator named (and those built on it). */
    public void delete(String label) {
        work.lock();
        try {
            RepositoryInfo current = list();
            if (current.find(label).isEmpty()) {
                throw new BackupException("no backup " + label + " in the repository; pgmanager backup list shows the backups there");
            }
            pgBackRest.expire(label);
            infoReadAt = Instant.EPOCH;
            repositoryInfo();
        } finally {
            work.unlock();
        }
    }

    /**
     * Takes a backup from a streaming replica when there is one, so that the primary only starts and stops it; from the
     * primary when there is none, or when the replica's attempt fails (a backup late is worse than one from the primary).
     */
    private void takeBackup(BackupType type) {
        Instant started = clock.instant();
        Optional<BackupTls> certificates = tls.get();
        Optional<BackupStandby> standby = certificates.isPresent() ? member.backupStandby() : Optional.empty();
        if (standby.isPresent()) {
            try {
                pgBackRest.backupFromStandby(type, BACKUP_TIMEOUT, standby.get(), certificates.get());
                infoReadAt = Instant.EPOCH;
                log.info("{} backup taken from replica {} in {} ms", type, standby.get().machineId(),
                        Duration.between(started, clock.instant()).toMillis());
                return;
            } catch (BackupException e) {
                // a switchover to that replica, say, may have ended this member's term meanwhile
                if (!leadsAPrimary()) {
                    throw new BackupException("a " + type + " backup from replica " + standby.get().machineId() + " failed ("
                            + e.getMessage() + "), and this member no longer leads: the next leader takes the backups");
                }
                log.warn("a {} backup from replica {} failed ({}); taking it from the primary instead", type,
                        standby.get().machineId(), e.getMessage());
            }
        }
        pgBackRest.backup(type, BACKUP_TIMEOUT);
        infoReadAt = Instant.EPOCH;
        log.info("{} backup taken from the primary in {} ms{}", type, Duration.between(started, clock.instant()).toMillis(),
                standby.isPresent() || certificates.isEmpty() ? "" : " (no streaming replica serves backups)");
    }

    private RepositoryInfo repositoryInfo() {
        if (info.isEmpty() || Duration.between(infoReadAt, clock.instant()).compareTo(INFO_INTERVAL) >= 0) {
            RepositoryInfo fresh = pgBackRest.info();
            info = Optional.of(fresh);
            infoReadAt = clock.instant();
            status.updateAndGet(current -> current.withRepository(fresh));
        }
        return info.get();
    }

    /**
     * Pushes the complete segments of earlier timelines that are still in pg_wal. The former primary archived most of
     * them; pgBackRest skips a segment already in the repository with the same checksum, and refuses one that differs,
     * so this only fills the gap a crashed primary left between its last archived segment and the promotion (or a
     * switchover's leader left when it handed over before its last upload). Only segments wholly before the point where
     * their timeline ended, as this timeline's history says: the one holding that point ends early (PostgreSQL archives
     * it as {@code .partial}), and pushed under its full name it would stand in the repository for a complete one.
     */
    private void archivePreviousTimelines() {
        int timeline = member.localStatus().timeline();
        Path walDirectory = member.dataDirectory().resolve("pg_wal");
        List<Path> segments;
        try (Stream<Path> files = Files.list(walDirectory)) {
            TimelineHistory history = TimelineHistory.of(walDirectory, timeline);
            segments = files.filter(p -> history.completeAncestorSegment(p.getFileName().toString(), size(p)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new BackupException("cannot read the earlier timelines' WAL in " + walDirectory + ": " + e.getMessage());
        }
        for (Path segment : segments) {
            if (!pgBackRest.archivePush(segment)) {
                log.warn("the backup repository holds {} with other contents than this member's copy; keeping the "
                        + "repository's", segment.getFileName());
            }
        }
        if (!segments.isEmpty()) {
            log.info("checked that the {} segments of earlier timelines in pg_wal are archived ({} to {})", segments.size(),
                    segments.getFirst().getFileName(), segments.getLast().getFileName());
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException gone) {
            return 0; // removed since listed: not complete, not pushed
        }
    }

    private void watchArchiver() {
        try {
            if (leadsAPrimary()) readArchiver(stanzaReady);
        } catch (RuntimeException e) {
            log.debug("cannot watch the archiver", e);
        }
    }

    /** PostgreSQL's own account of archiving, and a warning once per incident of failures. */
    private void readArchiver(boolean warn) {
        try (Connection connection = member.connect(Duration.ofSeconds(2)); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT last_archived_wal, last_archived_time, failed_count, last_failed_wal, "
                        + "last_failed_time FROM pg_stat_archiver")) {
            row.next();
            Optional<Instant> archivedAt = instant(row.getTimestamp("last_archived_time"));
            Optional<Instant> failedAt = instant(row.getTimestamp("last_failed_time"));
            boolean failing = failedAt.isPresent() && (archivedAt.isEmpty() || failedAt.get().isAfter(archivedAt.get()));
            // before the stanza exists, failures are expected and no incident: a new leader does not show one
            boolean incident = failing && warn;
            if (failing && !archiveFailing && warn) {
                log.warn("WAL archiving fails (segment {}, {} failed attempts so far): PostgreSQL keeps the WAL on the volume and "
                        + "retries; {}", row.getString("last_failed_wal"), row.getLong("failed_count"), archiveError(row.getString("last_failed_wal")));
            } else if (!failing && archiveFailing && warn) {
                log.info("WAL archiving works again (last archived: {})", row.getString("last_archived_wal"));
            }
            if (warn) archiveFailing = failing;
            Optional<String> lastWal = Optional.ofNullable(row.getString("last_archived_wal"));
            Optional<Instant> waitingSince = walWaitingSince(connection);
            long failures = row.getLong("failed_count");
            status.updateAndGet(current -> current.withArchive(archivedAt, lastWal, waitingSince,
                    incident ? current.archiveFailingSince().or(() -> failedAt) : Optional.empty(), failures));
        } catch (SQLException e) {
            log.debug("cannot read pg_stat_archiver: {}", e.getMessage());
        }
    }

    /**
     * When the oldest segment PostgreSQL has marked ready but not yet archived was completed (its {@code .ready} file's
     * time). The age of the last archived segment cannot tell a stalled archiver from an idle server, which completes
     * no segment (archive_timeout switches only after a write); a segment left waiting can.
     */
    private static Optional<Instant> walWaitingSince(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(
                "SELECT min(modification) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) {
            row.next();
            return instant(row.getTimestamp(1));
        }
    }

    /** pgBackRest's asynchronous archiving leaves the error of a failed segment in its spool. */
    private String archiveError(String segment) {
        if (segment == null) return "pgBackRest's log says why";
        try (Stream<Path> files = Files.find(workDir, 6,
                (path, attributes) -> path.getFileName().toString().startsWith(segment) && path.toString().endsWith(".error"))) {
            Optional<Path> error = files.findFirst();
            if (error.isPresent()) return "pgBackRest: " + Files.readString(error.get()).strip().replace('\n', ' ');
        } catch (IOException | RuntimeException e) {
            // no spool yet, or the file went away: say where to look instead
        }
        return "pgBackRest's log (" + workDir.resolve("log") + ") says why";
    }

    private void problem(Optional<String> problem) {
        String text = problem.orElse("");
        if (!text.equals(lastProblem)) {
            if (problem.isPresent()) {
                log.error("backups: {}", text);
            } else if (!lastProblem.isEmpty()) {
                log.info("backups work again");
            }
            lastProblem = text;
        }
        status.updateAndGet(current -> current.withProblem(problem));
    }

    private static Optional<Instant> instant(Timestamp timestamp) {
        return Optional.ofNullable(timestamp).map(Timestamp::toInstant);
    }

    @Override
    public void close() {
        threads.shutdownNow();
        gate.close();
    }
}
