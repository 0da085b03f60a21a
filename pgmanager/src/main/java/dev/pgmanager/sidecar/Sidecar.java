package dev.pgmanager.sidecar;

import dev.pgmanager.api.DiskSpace;
import dev.pgmanager.api.FlyApi;
import dev.pgmanager.api.HttpApi;
import dev.pgmanager.postgres.ClusterParameters;
import dev.pgmanager.api.RewriterReport;
import dev.pgmanager.api.SidecarView;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNameResolverProvider;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.election.LeaderLease;
import dev.pgmanager.election.MonotonicClock;
import dev.pgmanager.ensemble.EnsembleMembership;
import dev.pgmanager.ha.Candidacy;
import dev.pgmanager.ha.Decider;
import dev.pgmanager.ha.Pass;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.postgres.PostgresConfig;
import dev.pgmanager.postgres.MemorySizing;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.StopMode;
import dev.pgmanager.router.PrimaryRouter;
import dev.pgmanager.sidecar.loop.Actor;
import dev.pgmanager.sidecar.loop.ControlLoop;
import dev.pgmanager.sidecar.loop.LatestPass;
import dev.pgmanager.sidecar.loop.LocalServer;
import dev.pgmanager.sidecar.loop.MemberRecords;
import dev.pgmanager.sidecar.loop.Observer;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import dev.pgmanager.sidecar.loop.ReplicationSlots;
import dev.pgmanager.sidecar.loop.Upstreams;
import dev.pgmanager.sidecar.loop.WakeSignal;
import dev.pgmanager.sidecar.migration.AddressHistoryKeeper;
import dev.pgmanager.sidecar.migration.MigratedDataQuarantine;
import dev.pgmanager.sidecar.migration.MigratedDataVerifier;
import dev.pgmanager.sidecar.migration.MigrationCheck;
import dev.pgmanager.sidecar.reflexes.Failsafe;
import dev.pgmanager.sidecar.reflexes.FailsafeConfirmation;
import dev.pgmanager.sidecar.reflexes.Fencer;
import dev.pgmanager.sidecar.reflexes.Watchdog;
import dev.pgmanager.sidecar.rewriter.StaleAddressRewriting;
import dev.pgmanager.sidecar.volume.DiskFullGuard;
import dev.pgmanager.backup.BackupKeeper;
import dev.pgmanager.backup.BackupSetup;
import dev.pgmanager.backup.BackupStandby;
import dev.pgmanager.backup.BackupServing;
import dev.pgmanager.backup.BackupException;
import dev.pgmanager.backup.FirstBootRestore;
import dev.pgmanager.backup.PgBackRest;
import dev.pgmanager.backup.Restore;
import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.postgres.PgStatus;
import dev.pgmanager.sidecar.volume.FailedRewindRecord;
import dev.pgmanager.sidecar.volume.LastAddressOnVolume;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.StoreChange;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member, running: its store session and lease, its supervised PostgreSQL, its control loop and its HTTP API,
 * wired together from the configuration. Closing it steps down cleanly: a leader first hands over to a healthy
 * replica (bounded by {@code ha.stop_handover_timeout}), and otherwise stops its server and gives the lease up at
 * once, so the others need not wait for the session to expire.
 */
public final class Sidecar implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);
    /** A switchover or failover request nobody acted on for this long is dropped. */
    private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(30);
    /** How long the API waits for one ZooKeeper peer's answer when it reports the ensemble. */
    private static final Duration PEER_PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** How long after a lease is taken member records wake the loop until its holder's says primary (a promotion's span). */
    private static final Duration AWAIT_PRIMARY = Duration.ofSeconds(30);
    private static final Set<StoreChange> WAKING_CHANGES =
            EnumSet.of(StoreChange.LEADER, StoreChange.HANDOVER, StoreChange.SPEC, StoreChange.IDENTITY, StoreChange.SYNC);
    /** On the path of a failover or switchover: the lease changed hands, or a hand-over was asked. */
    private static final Set<StoreChange> URGENT_CHANGES = EnumSet.of(StoreChange.LEADER, StoreChange.HANDOVER);

    private final SidecarConfig config;
    private final Clock clock;
    private final ZooKeeperClusterStore store;
    private final LeaderLease lease;
    private final LocalServer server;
    private final Watchdog watchdog;
    private final LatestPass lastPass = new LatestPass();
    private final WakeSignal wakeSignal = new WakeSignal();
    private final ControlLoop loop;
    private final Thread loopThread;
    private final HttpApi api;
    private final Optional<HttpApi> flyApi;
    private final SidecarMetrics metrics;
    private final AutoCloseable watch;
    private final StaleAddressRewriting rewriting;
    private final Failsafe failsafe;
    private final Optional<PrimaryRouter> router;
    private final Optional<EnsembleMembership> ensemble;
    private final Optional<BackupKeeper> backups;
    private final Optional<BackupServing> backupServing;

    /** Builds each part after the parts it needs; the loop's latest pass and wake signal come first, as many read them. */
    private Sidecar(SidecarConfig config, Clock clock) throws Exception {
        this.config = config;
        this.clock = clock;
        String me = config.machineId();
        OsUser osUser = OsUser.named(config.postgres().osUser());
        Optional<BackupSetup> backupSetup = backupSetup(config, osUser, clock);
        PostgresConfig postgres = postgresConfig(config, backupSetup.map(BackupSetup::serverSettings).orElse(Map.of()));
        PgBinaries binaries = PgBinaries.locate(config.postgres().binDir());
        PostgresController controller = new PostgresController(binaries, postgres, osUser);
        backupSetup.ifPresent(setup -> setup.writeFiles(osUser));
        this.metrics = new SidecarMetrics(clock);
        DnsSettings defaults = DnsSettings.forApp(config.app());
        DnsSettings dns = new DnsSettings(config.dns().servers(), config.dns().namePattern(), config.app(), defaults.timeout(),
                defaults.maxCacheTtl(), defaults.staleGrace(), defaults.preferIpv6());
        DnsAddressResolver resolver = new DnsAddressResolver(dns);
        // ZooKeeper (its peers and its client) looks members' names up itself: through pgmanager's DNS, at each connect.
        MachineNames names = new MachineNames(dns, me, config.address(), resolver);
        MachineNameResolverProvider.install(names);
        this.ensemble = config.store().mode() == StoreConfig.StoreMode.ENSEMBLE
                ? Optional.of(EnsembleMembership.start(me, config.app(), config.store().ensemble(), dns, resolver,
                        config.store().connectTimeout(), config.postgres().superuserPassword()))
                : Optional.empty();
        String connect = ensemble.map(EnsembleMembership::connectString).orElseGet(() -> config.store().connect().orElseThrow());
        this.store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(connect, config.app())
                .withSecret(config.store().auth())
                .withSessionTimeout(config.store().sessionTimeout())
                .withStartupWait(config.store().connectTimeout()));
        ensemble.ifPresent(e -> e.keepCurrent(store));
        // The lease's, the watchdog's and the failsafe's deadlines move with the monotonic clock: a step of the wall clock
        // must not keep a primary writing past its lease, nor end a promise early
        Clock deadlines = MonotonicClock.startingNow();
        this.lease = new LeaderLease(store, me, deadlines);
        FailsafeConfirmation failsafeConfirmation = new FailsafeConfirmation(deadlines);
        // A third of a session past the end of the latest confirmation (half a session after the lease's was asked):
        // five sixths of a session after it at most, before the server can expire the session
        this.watchdog = new Watchdog(store.sessionTimeout().dividedBy(3), deadlines, () -> Stream.of(lease.heldUntil(),
                failsafeConfirmation.until()).flatMap(Optional::stream).max(Comparator.naturalOrder()));
        Credentials replication = new Credentials(config.postgres().replicationUser(), config.postgres().replicationPassword());
        Upstreams upstreams = new Upstreams(resolver, dns::hostnameOf, replication, config.migration().password());
        this.server = new LocalServer(controller, watchdog, new FailedRewindRecord(postgres.stateDirectory()),
                firstData(config, postgres, osUser, binaries, upstreams, clock));
        Optional<AddressHistoryKeeper> addressHistory = checkForMigration(config, postgres, controller, clock);
        // After the migration check, which records a new address: the rewriter's first sync then maps the old one.
        this.rewriting = StaleAddressRewriting.start(config.rewriter(), store::readAddressHistory, clock);
        metrics.serve(config.metrics().listen(), new SidecarMetrics.Sources(lastPass::get, lease::isHeld, server::lastStatus,
                resolver::stats, rewriting::report, controller::connectWithin));

        Duration loopWait = config.ha().loopWait();
        OperatorRequests requests = new OperatorRequests(store, clock, wakeSignal::wake);
        this.failsafe = new Failsafe(me, config.ha().failsafeMode(), store.sessionTimeout(), lease, server, failsafeConfirmation,
                () -> lastPass.get().map(Pass::observation), resolver, config.api().token(), deadlines);
        // The first to hear of the lease's changes: the others (backups) may do I/O first.
        Fencer fencer = new Fencer(lease, server, failsafe::confirmNow, wakeSignal::wakeAtOnce, () -> lastPass.get()
                .flatMap(pass -> pass.observation().lease())
                .map(held -> OptionalLong.of(held.epoch())).orElse(OptionalLong.empty()));
        lease.addListener(fencer::onLeaseChange);
        SidecarView view = new View(lastPass, loopWait, config, resolver, store, failsafe, rewriting, ensemble, names);
        this.backupServing = backupSetup.flatMap(setup -> backupServing(config, osUser, postgres, setup));
        this.backups = backupSetup.map(setup -> new BackupKeeper(setup, () -> backupServing.flatMap(BackupServing::tls), lease::isHeld,
                new BackupKeeper.Member() {
                    @Override
                    public PgStatus localStatus() {
                        return server.lastStatus();
                    }

                    @Override
                    public java.sql.Connection connect(Duration deadline) throws java.sql.SQLException {
                        return controller.connectWithin(deadline);
                    }

                    @Override
                    public Path dataDirectory() {
                        return postgres.dataDirectory();
                    }

                    @Override
                    public Optional<BackupStandby> backupStandby() {
                        return Sidecar.this.backupStandby(resolver);
                    }
                }, clock));
        backups.ifPresent(keeper -> lease.addListener(keeper::onLeaseChange));
        if (backups.isEmpty()) {
            log.warn("no backups: no bucket is configured (backup.bucket, BUCKET_NAME); a lost volume or a bad DROP TABLE "
                    + "cannot be undone. On Fly: fly storage create, then restart the members");
        }
        this.api = HttpApi.start(config.api().listen(), view, requests, backups, config.api().token(), clock);
        this.flyApi = config.api().flyListen().map(listen -> FlyApi.start(listen, view, requests, new ClusterParameters(store),
                new FlyApi.Setup(controller::connect, Set.copyOf(List.of(config.postgres().superuser(), config.postgres().replicationUser(), "postgres")),
                        config.postgres().dataDir(), config.api().flyAdminFrom(), config.postgres().allowedNetworks(),
                        resolver::organizationMachineAddresses), clock));

        DiskFullGuard diskGuard = new DiskFullGuard(config.disk(), config.postgres().dataDir(), controller);
        metrics.reportDiskGuard(diskGuard::refusingWrites, () -> DiskSpace.of(config.postgres().dataDir()));
        Supplier<Optional<Member.Backups>> backupSummary = () -> backups.map(keeper -> keeper.status().summary(config.backup().schedule()));
        metrics.reportBackups(backups.isPresent(), () -> lease.isHeld() ? backupSummary.get() : Optional.empty());
        MemberRecords records = new MemberRecords(store, me, config.region(),
                new Member.Tags(config.ha().noFailover(), config.ha().priority(), config.ha().noSync()), config.postgres().port(), api.port(),
                diskGuard::refusingWrites, backupSummary, () -> backupServing.flatMap(BackupServing::source),
                () -> server.lastStatus().pendingRestart(), loopWait);
        Duration staleAfter = loopWait.multipliedBy(3).plus(config.store().sessionTimeout());
        Candidacy candidacy = new Candidacy(config.primaryRegion(), config.failoverOutsidePrimaryRegion(), staleAfter, HANDOVER_TIMEOUT,
                config.postgres().restoredFrom());
        ClusterSpec bootstrapSpec = new ClusterSpec(loopWait.toMillis(), config.ha().maximumLagOnFailoverBytes(), false, false,
                config.postgres().parameters(), standbyOf(config.migration()));
        Actor actor = new Actor(me, store, lease, server, upstreams,
                new ReplicationSlots(controller, me, config.ha().slotRetention()), bootstrapSpec, failsafe, fencer::reconcile, metrics, clock);
        this.loop = new ControlLoop(new Observer(store, server, lease, records, candidacy, resolver,
                addressHistory, config.ha().synchronous(), failsafe::state, fencer::reconcile, clock), new Decider(), actor, requests,
                diskGuard, lastPass, wakeSignal, loopWait, metrics, clock);
        // Member records change every pass; waking on them would make every loop chase every other. Changes that
        // call for action now (a lease gone, a hand-over asked, a pause) wake the loop; the rest wait for its next pass,
        // but for the records of a new leader not yet seen as primary: the router sends no connection to it until then.
        this.watch = store.watch(change -> {
            if (URGENT_CHANGES.contains(change)) {
                wakeSignal.wakeAtOnce();
            } else if (WAKING_CHANGES.contains(change) || change == StoreChange.MEMBERS && awaitingPrimary()) {
                wakeSignal.wake();
            }
        });
        this.loopThread = Thread.ofPlatform().name("control-loop").start(loop);
        this.router = config.router().listen().isEmpty()
                ? Optional.empty()
                : Optional.of(PrimaryRouter.start(config.router().listen().get(), () -> primaryServer(resolver)));
        // Last: nothing after it can fail and leave the server's process behind.
        backupServing.ifPresent(BackupServing::start);
        log.info("member {} of {} started (region {}, API on port {}, PostgreSQL on port {})", me, config.app(), config.region(),
                api.port(), config.postgres().port());
    }

    /**
     * Compares this machine's address with the one its volume last ran at, reporting a migration (and verifying the
     * forked data before anything starts it), and returns what keeps its address history current. Trouble in the
     * detection is reported and never stops the member from starting.
     */
    private Optional<AddressHistoryKeeper> checkForMigration(SidecarConfig config, PostgresConfig postgres, PostgresController controller,
            Clock clock) {
        if (config.address().isEmpty()) {
            log.info("no address configured (address, FLY_PRIVATE_IP or PGMANAGER_ADDRESS): cannot tell whether this "
                    + "machine was migrated, and its address history is not kept");
            return Optional.empty();
        }
        String address = config.address().get().getHostAddress();
        Instant recordedAt = null;
        boolean migrated = false;
        try {
            migrated = new MigrationCheck(config.machineId(), new LastAddressOnVolume(postgres.stateDirectory()),
                    store, clock).onStart(address);
            recordedAt = clock.instant();
        } catch (RuntimeException e) {
            log.warn("could not check whether this machine was migrated: {}", e.getMessage());
        }
        // Not caught: data that could not be judged or moved aside must not be started; the platform restarts us.
        if (migrated) {
            metrics.migrationDetected();
            new MigratedDataQuarantine(config.machineId(), controller,
                    new MigratedDataVerifier(controller, config.ha().verifyOnMigration()), store, clock).beforeRejoining();
        }
        return Optional.of(new AddressHistoryKeeper(config.machineId(), address, store, recordedAt));
    }

    /**
     * The streaming replica with the most WAL replayed that serves backups, at its address now; empty when none does.
     * Only records the last pass judged fresh count: a member gone quiet is not asked.
     */
    private Optional<BackupStandby> backupStandby(DnsAddressResolver resolver) {
        return lastPass.get().map(Pass::observation).flatMap(observation -> observation.cluster().membersExcept(config.machineId())
                .values().stream()
                .filter(m -> m.role() == MemberRole.REPLICA && m.state() == MemberState.STREAMING && m.backupSource().isPresent())
                .filter(m -> m.updatedAt().plus(observation.candidacy().staleAfter()).isAfter(observation.now()))
                .sorted(java.util.Comparator.comparingLong(Member::replayedPosition).reversed())
                .flatMap(m -> resolver.resolve(MachineId.of(m.machineId())).map(address -> {
                    Member.BackupSource source = m.backupSource().orElseThrow();
                    return new BackupStandby(m.machineId(), address, source.port(), Path.of(source.dataDirectory()),
                            Path.of(source.socketDirectory()), m.databasePort());
                }).stream())
                .findFirst());
    }

    /**
     * This member's certificates and pgBackRest server for backups taken from it as a replica; empty (backups from the
     * primary only, said in the log) without an address to certify and to listen on.
     */
    private static Optional<BackupServing> backupServing(SidecarConfig config, OsUser osUser, PostgresConfig postgres,
            BackupSetup setup) {
        if (config.address().isEmpty()) {
            log.info("no address configured (address, FLY_PRIVATE_IP or PGMANAGER_ADDRESS): this member serves no backups "
                    + "as a replica, and backups are taken from the primary");
            return Optional.empty();
        }
        return Optional.of(new BackupServing(new BackupServing.Settings(osUser, setup.config().workDir().resolve("tls"),
                postgres.stateDirectory().resolve("pgbackrest-server.conf"), setup.config().workDir(),
                config.postgres().superuserPassword(), config.app(), config.address().get(), config.backup().serverPort(),
                new Member.BackupSource(config.backup().serverPort(), postgres.dataDirectory().toString(),
                        config.postgres().socketDir().toString()))));
    }

    /** The server of the member that leads and runs as primary, as the last pass saw it, at its address now. */
    private Optional<InetSocketAddress> primaryServer(DnsAddressResolver resolver) {
        return leaderRecord()
                .filter(leader -> leader.role() == MemberRole.PRIMARY)
                .flatMap(leader -> resolver.resolve(MachineId.of(leader.machineId()))
                        .map(address -> new InetSocketAddress(address, leader.databasePort())));
    }

    /** The leader's member record as the last pass saw it. */
    private Optional<Member> leaderRecord() {
        return leaderRecord(leader -> true);
    }

    /** The leader's member record as the last pass saw it, if its lease is one {@code which} accepts. */
    private Optional<Member> leaderRecord(Predicate<Leader> which) {
        return lastPass.get()
                .map(pass -> pass.observation().cluster())
                .flatMap(cluster -> cluster.leader().filter(which).flatMap(leader -> cluster.member(leader.machineId())));
    }

    /**
     * Whether the last pass saw a lease taken less than {@link #AWAIT_PRIMARY} ago by a member whose record did not say
     * primary yet (it is being promoted). Bounded in time: a standby cluster's leader never says primary, and member
     * records change at every pass while WAL flows, so an open-ended wait would run every loop twenty times a second.
     */
    private boolean awaitingPrimary() {
        Instant now = clock.instant();
        return leaderRecord(leader -> leader.acquiredAt().plus(AWAIT_PRIMARY).isAfter(now))
                .filter(leader -> leader.role() != MemberRole.PRIMARY)
                .isPresent();
    }

    public static Sidecar start(SidecarConfig config, Clock clock) throws Exception {
        return new Sidecar(config, clock);
    }

    public int apiPort() {
        return api.port();
    }

    public Optional<Pass> lastPass() {
        return lastPass.get();
    }

    @Override
    public void close() {
        log.info("stopping member {}", config.machineId());
        if (lease.isHeld()) handOverBeforeStopping(config.ha().stopHandoverTimeout());
        loop.stop();
        try {
            loopThread.join(Duration.ofSeconds(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        router.ifPresent(PrimaryRouter::close);
        closeQuietly(watch);
        rewriting.close();
        boolean leading = lease.isHeld();
        try {
            // A fast shutdown sends every connected replica all WAL before the server exits: none is lost.
            server.stop(StopMode.FAST);
        } catch (RuntimeException e) {
            log.warn("could not stop PostgreSQL cleanly ({}); stopping it immediately", e.getMessage());
            server.stop(StopMode.IMMEDIATE);
        }
        // after the server's stop, which archives its last segments through the still open gate
        backups.ifPresent(BackupKeeper::close);
        backupServing.ifPresent(BackupServing::close);
        if (leading) lease.release();
        watchdog.close();
        failsafe.close();
        lease.close();
        api.close();
        flyApi.ifPresent(HttpApi::close);
        metrics.close();
        store.close();
        // The peer last: the hand-over and the lease release above need the store.
        ensemble.ifPresent(EnsembleMembership::close);
        log.info("member {} stopped", config.machineId());
    }

    /**
     * A leader that stops (the platform's kill signal, before a migration) first hands over to its best healthy
     * streaming replica, as a switchover does: its own loop carries that out (a fast shutdown sends every connected
     * replica all WAL, then the lease goes to the target), so no acknowledged write is lost and the cluster is
     * without a writable primary only for the switchover. Waits until another member leads, at most {@code timeout};
     * without a healthy replica the decider refuses the switchover at once and the member just stops.
     */
    private void handOverBeforeStopping(Duration timeout) {
        if (timeout.isZero()) return;
        String me = config.machineId();
        try {
            loop.stopAfterHandOver();
            if (!store.requestHandover(new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, me, null, clock.instant()))) {
                log.info("a switchover or failover is already pending; letting it run before stopping");
            }
            wakeSignal.wake();
            log.info("handing over to the best healthy replica before stopping (waiting at most {} s)", timeout.toSeconds());
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                ClusterSnapshot cluster = store.read();
                Optional<String> leader = cluster.leader().map(Leader::machineId);
                if (leader.isPresent() && !leader.get().equals(me)) {
                    log.info("{} leads now; stopping", leader.get());
                    return;
                }
                if (cluster.handover().isEmpty() && lease.isHeld()) {
                    log.warn("no replica could take over (the reason is logged above): stopping without a hand-over");
                    return;
                }
                Thread.sleep(100);
            }
            log.warn("no other member took over within {} s: stopping anyway", timeout.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("could not hand over before stopping ({}): stopping anyway", e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("closing {} failed", closeable, e);
        }
    }

    /**
     * An empty database for a new cluster, or the backups of the cluster {@code backup.restore_from} names. A restore
     * that fails part way moves what it wrote aside (never deleted), so that the next pass does not take a half-restored
     * directory for a cluster's data.
     */
    /** The primary outside the cluster that a new cluster starts as a standby of, as the spec names it. */
    private static Optional<ClusterSpec.Source> standbyOf(dev.pgmanager.config.MigrationConfig migration) {
        return migration.source().map(at -> new ClusterSpec.Source(at.host(), at.port(), migration.user()));
    }

    private static LocalServer.FirstData firstData(SidecarConfig config, PostgresConfig postgres, OsUser osUser, PgBinaries binaries,
            Upstreams upstreams, Clock clock) {
        Optional<ClusterSpec.Source> standbyOf = standbyOf(config.migration());
        if (standbyOf.isPresent()) {
            // a standby cluster's first member: a base backup of the primary outside, streaming from it
            dev.pgmanager.postgres.Upstream source = upstreams.source(standbyOf.get());
            return controller -> {
                controller.cloneFrom(source);
                controller.dropPreloadedLibrariesMissingHere();
            };
        }
        Optional<BackupConfig.RestoreSource> source = config.backup().restoreFrom();
        if (source.isEmpty()) return PostgresController::initdb;
        BackupConfig.Repository sourceRepository = config.backup().repository().orElseThrow()
                .withPath("/pgmanager/" + source.get().cluster());
        FirstBootRestore restore = new FirstBootRestore(new Restore(sourceRepository, source.get().cluster(), osUser, binaries, clock),
                source.get(), postgres.stateDirectory().resolve("restore"));
        return controller -> {
            try {
                restore.into(postgres.dataDirectory());
            } catch (BackupException e) {
                if (controller.dataDirectoryState() != dev.pgmanager.postgres.DataDirectoryState.EMPTY) {
                    log.warn("moved the half-restored data directory aside to {}", controller.moveDataDirectoryAside());
                }
                throw new dev.pgmanager.sidecar.loop.Actor.ActionFailedException(e.getMessage());
            }
        };
    }

    /**
     * The archive gate closes two thirds of a session after its last renewal: before the store could expire the lease,
     * yet long enough that a pause of a second in the sidecar does not close it (PostgreSQL would then wait up to a
     * minute before its next attempt).
     */
    private static Duration gateValidity(SidecarConfig config) {
        return config.store().sessionTimeout().multipliedBy(2).dividedBy(3);
    }

    private static Optional<BackupSetup> backupSetup(SidecarConfig config, OsUser osUser, Clock clock) {
        var pg = config.postgres();
        if (config.backup().enabled() && !PgBackRest.installed()) {
            // Archiving through a program that is not there would keep every WAL segment until the volume fills.
            log.error("backups are configured ({}) but {} is not installed (Debian: apt-get install pgbackrest; the image has "
                    + "it): this member archives nothing and takes no backups until it is", config.backup().repository().orElseThrow(),
                    PgBackRest.PROGRAM);
            return Optional.empty();
        }
        Path stateDir = stateDirectory(pg.dataDir());
        return config.backup().repository().map(repository -> BackupSetup.of(repository, config.backup().schedule(), config.app(),
                pg.dataDir(), pg.port(), pg.socketDir(), osUser, stateDir, gateValidity(config), clock));
    }

    /** pgmanager's own files (server log, passfile) must not be copied with the data by pg_basebackup or pg_rewind. */
    private static Path stateDirectory(Path dataDir) {
        return dataDir.resolveSibling(dataDir.getFileName() + ".pgmanager");
    }

    static PostgresConfig postgresConfig(SidecarConfig config, Map<String, String> archiving) {
        var pg = config.postgres();
        Path dataDir = pg.dataDir();
        Path stateDir = stateDirectory(dataDir);
        List<String> listen = Arrays.stream(pg.listenAddress().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        Map<String, String> settings = MemorySizing.ofThisMachine().settingsWith(pg.parameters());
        return new PostgresConfig(dataDir, stateDir, pg.socketDir(), listen, pg.port(), pg.allowedNetworks(),
                new Credentials(pg.superuser(), pg.superuserPassword()),
                new Credentials(pg.replicationUser(), pg.replicationPassword()),
                MachineId.of(config.machineId()), Duration.ofSeconds(60), Duration.ofHours(2), settings, archiving,
                pg.operatorPassword().map(password -> new Credentials(dev.pgmanager.config.PostgresConfig.OPERATOR_ROLE, password)),
                pg.walSegmentSize());
    }

    /** What the HTTP API reads. */
    private static final class View implements SidecarView {
        private final LatestPass lastPass;
        private final Duration loopWait;
        private final SidecarConfig config;
        private final DnsAddressResolver resolver;
        private final ZooKeeperClusterStore store;
        private final Failsafe failsafe;
        private final StaleAddressRewriting rewriting;
        private final Optional<EnsembleMembership> membership;
        private final MachineNames names;

        View(LatestPass lastPass, Duration loopWait, SidecarConfig config, DnsAddressResolver resolver, ZooKeeperClusterStore store,
                Failsafe failsafe, StaleAddressRewriting rewriting, Optional<EnsembleMembership> membership, MachineNames names) {
            this.lastPass = lastPass;
            this.loopWait = loopWait;
            this.config = config;
            this.resolver = resolver;
            this.store = store;
            this.failsafe = failsafe;
            this.rewriting = rewriting;
            this.membership = membership;
            this.names = names;
        }

        @Override
        public Optional<Pass> lastPass() {
            return lastPass.get();
        }

        @Override
        public Duration loopWait() {
            return loopWait;
        }

        @Override
        public long readinessLagBytes() {
            return config.ha().maximumLagOnFailoverBytes();
        }

        @Override
        public Optional<InetAddress> addressOf(MachineId machineId) {
            return resolver.resolve(machineId);
        }

        @Override
        public List<HistoryEntry> history() {
            return store.read().history();
        }

        @Override
        public Optional<String> promiseToFollow(MachineId leader) {
            return failsafe.promiseToFollow(leader);
        }

        @Override
        public RewriterReport rewriter() {
            return rewriting.report();
        }

        @Override
        public Optional<DiskSpace> dataDirectorySpace() {
            return DiskSpace.of(config.postgres().dataDir());
        }

        @Override
        public Optional<EnsembleStatus.Report> ensemble() {
            return membership.map(e -> e.status(PEER_PROBE_TIMEOUT));
        }

        @Override
        public Optional<String> machineIdOfName(String host) {
            return names.machineIdOf(host);
        }

        @Override
        public Optional<String> whyStopBreaksStoreQuorum() {
            return membership.flatMap(e -> e.whyStopBreaksQuorum(PEER_PROBE_TIMEOUT));
        }
    }
}
