package dev.pgmanager.sidecar;

import dev.pgmanager.api.DiskSpace;
import dev.pgmanager.api.HttpApi;
import dev.pgmanager.api.MetricsApi;
import dev.pgmanager.api.RewriterReport;
import dev.pgmanager.dns.DnsStats;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.ha.Pass;
import dev.pgmanager.postgres.Lsn;
import dev.pgmanager.postgres.PgStatus;
import dev.pgmanager.postgres.ReplicationConnection;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The sidecar's Prometheus metrics on plain HTTP ({@code /metrics}). Events (promotions, passes of the control loop, a
 * migration) are counted as they happen; every state is read from the part that owns it at scrape time, so nothing here
 * can drift from what {@code /member} reports. PostgreSQL's own metrics come from {@link PostgresMetrics}, also at
 * scrape time. The README lists every metric.
 */
public final class SidecarMetrics implements AutoCloseable {
    /** Where the metrics read the state they report, at scrape time. */
    record Sources(Supplier<Optional<Pass>> lastPass, BooleanSupplier leaseHeld, Supplier<PgStatus> server,
                   Supplier<DnsStats> dns, Supplier<RewriterReport> rewriter, PostgresMetrics.LocalConnections postgres) {}

    private static final String[] ROLES = {"primary", "replica", "stopped"};

    private final Clock clock;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter failovers;
    private final Counter switchovers;
    private final Counter migrations;
    private final Histogram passDuration;
    private final Gauge lastSuccess;
    private HttpApi server;

    SidecarMetrics(Clock clock) {
        this.clock = clock;
        this.failovers = Counter.builder()
                .name("pgmanager_failovers_total")
                .help("Promotions of this member's PostgreSQL because the leader was gone")
                .register(registry);
        this.switchovers = Counter.builder()
                .name("pgmanager_switchovers_total")
                .help("Promotions of this member's PostgreSQL that an operator or a stopping leader asked for")
                .register(registry);
        this.migrations = Counter.builder()
                .name("pgmanager_migrations_detected_total")
                .help("Starts on a volume that last ran at another address: this machine was migrated")
                .register(registry);
        this.passDuration = Histogram.builder()
                .name("pgmanager_control_loop_duration_seconds")
                .help("How long one pass of the control loop (observe, decide, act) took")
                .unit(Unit.SECONDS)
                .classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
                .register(registry);
        this.lastSuccess = Gauge.builder()
                .name("pgmanager_control_loop_last_success_timestamp_seconds")
                .help("When a pass of the control loop last observed the cluster and carried out its decision (Unix time)")
                .unit(Unit.SECONDS)
                .register(registry);
    }

    /** This member's server was promoted: by a switchover when one was asked for, else by a failover. */
    public void promoted(boolean switchover) {
        (switchover ? switchovers : failovers).inc();
    }

    void migrationDetected() {
        migrations.inc();
    }

    /** One pass of the control loop ended; {@code succeeded} when it observed and carried out all it decided. */
    public void passFinished(Duration took, boolean succeeded) {
        passDuration.observe(took.toNanos() / 1e9);
        if (succeeded) lastSuccess.set(clock.millis() / 1e3);
    }

    /** Reports the disk-full guard's state and the room on the data directory's volume, read at scrape time. */
    void reportDiskGuard(BooleanSupplier refusingWrites, Supplier<Optional<DiskSpace>> volume) {
        GaugeWithCallback.builder()
                .name("pgmanager_disk_read_only")
                .help("1 while user sessions are read-only because the data directory's volume is past disk.read_only_at, 0 otherwise")
                .callback(callback -> callback.call(refusingWrites.getAsBoolean() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_volume_size_bytes")
                .help("Size of the file system holding the data directory")
                .unit(Unit.BYTES)
                .callback(callback -> volume.get().ifPresent(space -> callback.call(space.totalBytes())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_volume_free_bytes")
                .help("Bytes PostgreSQL may still write on the file system holding the data directory")
                .unit(Unit.BYTES)
                .callback(callback -> volume.get().ifPresent(space -> callback.call(space.freeBytes())))
                .register(registry);
    }

    /**
     * Reports whether this member has backups configured and, on the leader only (the one member that archives and
     * takes backups), how they stand: {@code onTheLeader} is empty on every other member, and so are those series.
     */
    void reportBackups(boolean enabled, Supplier<Optional<Member.Backups>> onTheLeader) {
        GaugeWithCallback.builder()
                .name("pgmanager_backup_enabled")
                .help("1 when this member has a bucket configured for backups, 0 when it has none (a lost volume cannot be recovered)")
                .callback(callback -> callback.call(enabled ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_archive_last_success_timestamp_seconds")
                .help("On the leader: when PostgreSQL last archived a WAL segment (Unix time); an idle server archives nothing")
                .unit(Unit.SECONDS)
                .callback(callback -> onTheLeader.get().flatMap(Member.Backups::lastArchivedAt)
                        .ifPresent(at -> callback.call(seconds(at))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_archive_oldest_waiting_timestamp_seconds")
                .help("On the leader: when the oldest WAL segment still waiting to be archived was completed (Unix time); "
                        + "absent while none waits")
                .unit(Unit.SECONDS)
                .callback(callback -> onTheLeader.get().flatMap(Member.Backups::walWaitingSince)
                        .ifPresent(at -> callback.call(seconds(at))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_archive_failing")
                .help("On the leader: 1 while WAL archiving fails (the last attempt failed), 0 while it works")
                .callback(callback -> onTheLeader.get().ifPresent(b -> callback.call(b.archiveFailingSince().isPresent() ? 1 : 0)))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_archive_failed_attempts_total")
                .help("On the leader: failed attempts to archive a WAL segment, as PostgreSQL counts them (pg_stat_archiver, "
                        + "since its statistics were last reset)")
                .callback(callback -> onTheLeader.get().ifPresent(b -> callback.call(b.failedArchiveAttempts())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_backup_last_success_timestamp_seconds")
                .help("On the leader: when the newest base backup in the repository finished (Unix time); absent before the first")
                .unit(Unit.SECONDS)
                .callback(callback -> onTheLeader.get().flatMap(Member.Backups::lastBackupAt).ifPresent(at -> callback.call(seconds(at))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_backup_oldest_recovery_point_timestamp_seconds")
                .help("On the leader: the earliest time a restore can reach (Unix time)")
                .unit(Unit.SECONDS)
                .callback(callback -> onTheLeader.get().flatMap(Member.Backups::oldestRecoveryPoint)
                        .ifPresent(at -> callback.call(seconds(at))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_backup_count")
                .help("On the leader: base backups in the repository")
                .callback(callback -> onTheLeader.get().ifPresent(b -> callback.call(b.backupCount())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_backup_repository_bytes")
                .help("On the leader: what the base backups take in the repository (compressed; archived WAL not counted)")
                .unit(Unit.BYTES)
                .callback(callback -> onTheLeader.get().ifPresent(b -> callback.call(b.repositoryBytes())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_backup_failing")
                .help("On the leader: 1 while something stops backups or archiving (the leader's log and pgmanager list say what), "
                        + "0 otherwise")
                .callback(callback -> onTheLeader.get().ifPresent(b -> callback.call(b.problem().isPresent() ? 1 : 0)))
                .register(registry);
    }

    private static double seconds(Instant at) {
        return at.toEpochMilli() / 1e3;
    }

    /** What {@code /metrics} would serve now, in the text format. */
    String scrapeText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Registers the state read at scrape time and serves {@code /metrics} on {@code listen}. */
    void serve(InetSocketAddress listen, Sources sources) {
        registerMemberState(sources);
        registerReplication(sources);
        registerDns(sources);
        registerRewriter(sources.rewriter());
        registry.register(new PostgresMetrics(sources.postgres(), PostgresMetrics.DEADLINE));
        server = MetricsApi.serve(listen, registry);
    }

    private void registerMemberState(Sources sources) {
        GaugeWithCallback.builder()
                .name("pgmanager_role")
                .help("1 for the role this member's PostgreSQL has now (primary, replica, or stopped), 0 for the others")
                .labelNames("role")
                .callback(callback -> {
                    String now = sources.lastPass().get().map(pass -> role(pass.observation().local())).orElse("stopped");
                    for (String role : ROLES) callback.call(role.equals(now) ? 1 : 0, role);
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_lease_held")
                .help("1 while this member holds the leader lease, 0 otherwise")
                .callback(callback -> callback.call(sources.leaseHeld().getAsBoolean() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_leader_epoch")
                .help("The current leader's epoch (fencing token) in the store, 0 while nobody leads")
                .callback(callback -> callback.call(sources.lastPass().get()
                        .flatMap(pass -> pass.observation().cluster().leader()).map(Leader::epoch).orElse(0L)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_timeline")
                .help("The timeline of this member's PostgreSQL (0 when unknown)")
                .callback(callback -> callback.call(sources.lastPass().get().map(pass -> pass.observation().local().timeline()).orElse(0L)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_wal_position_bytes")
                .help("This member's WAL position as a byte offset: received and replayed on a replica, both the current "
                        + "write position on a primary; absent when the server is not running")
                .unit(Unit.BYTES)
                .labelNames("position")
                .callback(callback -> sources.lastPass().get().map(pass -> pass.observation().local())
                        .filter(LocalPostgres::running)
                        .ifPresent(local -> {
                            local.wal().received().ifPresent(position -> callback.call(position, "received"));
                            local.wal().replayed().ifPresent(position -> callback.call(position, "replayed"));
                        }))
                .register(registry);
    }

    /**
     * Lag is reported by the leader only, one series per other member, so that each replica's lag has one source: the
     * primary's own {@code pg_stat_replication} for a connected replica, the member's record in the store otherwise.
     */
    private void registerReplication(Sources sources) {
        GaugeWithCallback.builder()
                .name("pgmanager_replication_lag_bytes")
                .help("On the leader: how many bytes of WAL each other member has yet to replay (label machine_id)")
                .unit(Unit.BYTES)
                .labelNames("machine_id")
                .callback(callback -> ledObservation(sources).ifPresent(o -> o.cluster().membersExcept(o.id().value()).values()
                        .forEach(member -> lagBytes(o, sources.server().get(), member)
                                .ifPresent(bytes -> callback.call(bytes, member.machineId())))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_replication_lag_seconds")
                .help("On the leader: how long ago each streaming replica replayed the WAL it last confirmed (label machine_id); "
                        + "0 once it has caught up")
                .unit(Unit.SECONDS)
                .labelNames("machine_id")
                .callback(callback -> ledObservation(sources).ifPresent(o -> {
                    PgStatus status = sources.server().get();
                    for (ReplicationConnection replica : status.replicas()) {
                        if (!o.cluster().members().containsKey(replica.applicationName())) continue;
                        lagSeconds(status, replica).ifPresent(seconds -> callback.call(seconds, replica.applicationName()));
                    }
                }))
                .register(registry);
    }

    private void registerDns(Sources sources) {
        CounterWithCallback.builder()
                .name("pgmanager_dns_lookups_total")
                .help("DNS queries sent to find members (answers served from the cache are not counted)")
                .callback(callback -> callback.call(sources.dns().get().lookups()))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_dns_lookup_failures_total")
                .help("DNS queries that got no usable answer: timeout, error, NXDOMAIN or no records")
                .callback(callback -> callback.call(sources.dns().get().failures()))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_address_changes_total")
                .help("DNS answers that gave a member another address than the previous answer (a member moved)")
                .callback(callback -> callback.call(sources.dns().get().addressChanges()))
                .register(registry);
    }

    private void registerRewriter(Supplier<RewriterReport> rewriter) {
        GaugeWithCallback.builder()
                .name("pgmanager_rewriter_enabled")
                .help("1 while the stale-address rewriter is attached and kept in step with the address history, "
                        + "0 when it is off; the reason label says why it is off")
                .labelNames("reason")
                .callback(callback -> {
                    RewriterReport report = rewriter.get();
                    callback.call(report.on() ? 1 : 0, report.reason().orElse(""));
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_rewriter_entries")
                .help("Old addresses the rewriter currently redirects")
                .callback(callback -> callback.call(rewriter.get().entries()))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_rewriter_hits_total")
                .help("Connects and datagrams rewritten through the current entries")
                .callback(callback -> callback.call(rewriter.get().hits()))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_rewriter_stale_uses_total")
                .help("Rewrites reported since the sidecar started: a process on this machine dialed a member's old address")
                .callback(callback -> callback.call(rewriter.get().staleUses()))
                .register(registry);
    }

    private static String role(LocalPostgres local) {
        if (local.isPrimary()) return "primary";
        if (local.isReplica()) return "replica";
        return "stopped";
    }

    /** The last observation, when this member led in it and its server was the primary. */
    private static Optional<Observation> ledObservation(Sources sources) {
        return sources.lastPass().get().map(Pass::observation).filter(o -> o.iLead() && o.local().isPrimary());
    }

    private static OptionalLong lagBytes(Observation o, PgStatus status, Member member) {
        Optional<Lsn> current = status.currentWalLsn();
        Optional<Lsn> replayed = status.replica(member.machineId()).flatMap(ReplicationConnection::replayLsn);
        if (current.isPresent() && replayed.isPresent()) {
            return OptionalLong.of(Math.max(0, current.get().bytesSince(replayed.get())));
        }
        OptionalLong leaderPosition = o.local().wal().received();
        if (leaderPosition.isEmpty() || member.replayedPosition() < 0) return OptionalLong.empty();
        return OptionalLong.of(Math.max(0, leaderPosition.getAsLong() - member.replayedPosition()));
    }

    /** PostgreSQL shows no lag for a replica that caught up a while ago: one that replayed all WAL trails by nothing. */
    private static OptionalDouble lagSeconds(PgStatus status, ReplicationConnection replica) {
        if (replica.replayLag().isPresent()) return OptionalDouble.of(replica.replayLag().get().toNanos() / 1e9);
        boolean caughtUp = replica.replayLsn().isPresent() && status.currentWalLsn().isPresent()
                && !status.currentWalLsn().get().isAfter(replica.replayLsn().get());
        return caughtUp ? OptionalDouble.of(0) : OptionalDouble.empty();
    }

    /** The port it serves on; only after {@link #serve}. */
    int port() {
        return server.port();
    }

    @Override
    public void close() {
        if (server != null) server.close();
    }
}
