package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.AddressHistory;
import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.MachineIds;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.NotLeaderException;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.StoreChange;
import dev.pgmanager.store.StoreConnectionState;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.StoreUnavailableException;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Part;
import dev.pgmanager.store.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster store on ZooKeeper, through Apache Curator.
 *
 * <p>One cluster's records live under {@code /pgmanager/<cluster>/}, each a JSON document with
 * {@code "format": 1} (see {@link RecordCodec}):
 * <table>
 * <caption>znode layout</caption>
 * <tr><th>znode</th><th>kind</th><th>holds</th></tr>
 * <tr><td>{@code spec}</td><td>persistent</td><td>{@link ClusterSpec}; its znode version is the CAS version</td></tr>
 * <tr><td>{@code identity}</td><td>persistent, created once</td><td>{@link ClusterIdentity}</td></tr>
 * <tr><td>{@code members/<machineId>}</td><td>ephemeral</td><td>{@link Member}, gone when its session ends</td></tr>
 * <tr><td>{@code leader}</td><td>ephemeral</td><td>{@link Leader}: the lease, gone when its holder's session ends</td></tr>
 * <tr><td>{@code epoch}</td><td>persistent</td><td>{@code {"epoch": n}}, the highest epoch ever handed out</td></tr>
 * <tr><td>{@code sync}</td><td>persistent</td><td>{@link SyncState}, written only by the lease holder</td></tr>
 * <tr><td>{@code history/h-<seq>}</td><td>persistent sequential</td><td>{@link HistoryEntry}; the newest
 *     {@value #HISTORY_KEPT} are kept, {@link #read()} returns the newest {@value #HISTORY_READ_LIMIT}, oldest first</td></tr>
 * <tr><td>{@code handover}</td><td>persistent</td><td>{@link HandoverRequest}, at most one pending</td></tr>
 * <tr><td>{@code addresses/<machineId>}</td><td>persistent</td><td>{@link AddressHistory}: the addresses the machine
 *     had, newest {@value AddressHistory#KEPT}; apart from the state {@link #read()} returns</td></tr>
 * </table>
 *
 * <p>Fencing: the lease is taken in one transaction that bumps {@code epoch} (version-checked) and creates
 * {@code leader}, so epochs only grow and every new lease changes the {@code epoch} znode's version. Leader-only
 * writes check in their transaction that {@code epoch} still has the version read when the lease was verified
 * ours; that fails if anyone took a lease since. The lease belongs to the ZooKeeper session, so "ours" means
 * the {@code leader} znode's ephemeral owner is this store's session.
 *
 * <p>Safe for use from several threads.
 */
public final class ZooKeeperClusterStore implements ClusterStore {
    static final int HISTORY_READ_LIMIT = 200;
    static final int HISTORY_KEPT = 1000;
    /** Conflicting writers make a transaction fail; retrying a few times resolves honest races. */
    private static final int CONFLICT_ATTEMPTS = 5;
    /** Retries after connection loss, within twice the connection timeout (see {@link TimeBoundedBackoffRetry}). */
    private static final int OPERATION_RETRIES = 3;
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperClusterStore.class);

    private final ZooKeeperStoreSettings settings;
    private final CuratorFramework client;
    private final ClusterLayout layout;
    private final RecordCodec codec;
    private final SnapshotReader snapshots;
    private final Set<CuratorCache> openWatches = ConcurrentHashMap.newKeySet();
    /** The last spec read that could be decoded: what a sidecar goes on with while the stored one is unreadable. */
    private volatile Versioned<ClusterSpec> lastReadSpec;

    private ZooKeeperClusterStore(ZooKeeperStoreSettings settings, CuratorFramework client, RecordCodec codec) {
        this.settings = settings;
        this.client = client;
        this.codec = codec;
        this.layout = ClusterLayout.forCluster(settings.clusterName());
        this.snapshots = new SnapshotReader(client, layout, codec);
    }

    /**
     * Connects, waiting at most {@link ZooKeeperStoreSettings#startupWait()} for a first connection.
     *
     * @throws StoreUnavailableException when ZooKeeper cannot be reached in that time
     */
    public static ZooKeeperClusterStore connect(ZooKeeperStoreSettings settings) {
        // The first pass reads and writes every kind of record: their readers and writers are made while the session is.
        RecordCodec codec = new RecordCodec();
        Thread.ofVirtual().name("record-codec-warm-up").start(codec::prepare);
        CuratorFramework client = startClient(settings);
        try {
            var store = new ZooKeeperClusterStore(settings, client, codec);
            store.createRoot();
            return store;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The cluster's state, when the store has a znode for it; reads without creating anything, so that a name can be
     * checked as free (before a fork takes it) without leaving a znode behind whose ACL the cluster's members would
     * then have to share.
     *
     * @throws StoreUnavailableException when ZooKeeper cannot be reached in {@link ZooKeeperStoreSettings#startupWait()}
     * @throws StoreException when the cluster's znodes refuse the settings' secret (the cause says so)
     */
    public static Optional<ClusterSnapshot> readIfPresent(ZooKeeperStoreSettings settings) {
        CuratorFramework client = startClient(settings);
        try (var store = new ZooKeeperClusterStore(settings, client, new RecordCodec())) {
            boolean present = store.call("look for " + store.layout.root(), () -> client.checkExists().forPath(store.layout.root()) != null);
            return present ? Optional.of(store.read()) : Optional.empty();
        }
    }

    /** A started client, connected within {@link ZooKeeperStoreSettings#startupWait()}; closed again when it is not. */
    private static CuratorFramework startClient(ZooKeeperStoreSettings settings) {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(settings.connectString())
                // the threads that keep the session alive run at real-time priority where permitted
                .zookeeperFactory(new RealTimeZooKeeperFactory())
                .sessionTimeoutMs(millis(settings.sessionTimeout()))
                // One attempt waits a session at most (waiting longer outlives the session; Curator warns at every start)
                .connectionTimeoutMs(millis(Collections.min(List.of(settings.connectionTimeout(), settings.sessionTimeout()))))
                .retryPolicy(new TimeBoundedBackoffRetry(Duration.ofMillis(100), Duration.ofSeconds(1), OPERATION_RETRIES,
                        settings.connectionTimeout().multipliedBy(2)))
                // The ensemble tracker would replace the connect string (which may hold DNS names, resolved at each
                // connection) with the addresses in the servers' config: we look addresses up, never remember them.
                .ensembleTracker(false)
                // Curator's default znode data is this host's IP address; no address may be written to the store.
                .defaultData(new byte[0]);
        settings.secret().ifPresent(secret -> builder
                .authorization("digest", ClusterAcl.authentication(secret))
                .aclProvider(ClusterAcl.forCluster(ClusterLayout.forCluster(settings.clusterName()).root(), secret)));
        CuratorFramework client = builder.build();
        client.start();
        try {
            if (!client.blockUntilConnected(millis(settings.startupWait()), TimeUnit.MILLISECONDS)) {
                throw new StoreUnavailableException("could not reach ZooKeeper at " + settings.connectString() + " within "
                        + readable(settings.startupWait()) + "; is it running?", null);
            }
            return client;
        } catch (InterruptedException e) {
            client.close();
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while connecting to ZooKeeper at " + settings.connectString(), e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Transactions do not create parents, so the cluster's own znode must exist before the first one. With a store
     * secret, a znode already there must carry the cluster's ACL: one that anybody may change was not created by the
     * cluster's members (someone may have taken the name before it bootstrapped and planted records in it), and is
     * refused rather than trusted.
     */
    private void createRoot() {
        run("create " + layout.root(), () -> {
            try {
                client.create().creatingParentsIfNeeded().forPath(layout.root(), new byte[0]);
            } catch (KeeperException.NodeExistsException alreadyThere) {
                // another member created it first, or someone else did: the ACL tells
                if (settings.secret().isPresent()) requireClusterAcl(settings.secret().get());
            }
        });
    }

    private void requireClusterAcl(String secret) throws Exception {
        List<ACL> expected = ClusterAcl.forCluster(layout.root(), secret).getDefaultAcl();
        List<ACL> actual = client.getACL().forPath(layout.root());
        if (new HashSet<>(actual).equals(new HashSet<>(expected))) return;
        throw new StoreException("refusing the cluster's znode " + layout.root() + ": it exists, but its ACL " + actual
                + " is not the cluster's (only clients with the store secret may use the znodes), so it was not created by "
                + "this cluster's members; someone may have taken the name before the cluster started. Choose another cluster "
                + "name, or, if the znode and everything under it are known to be the cluster's own (created by hand, or by a "
                + "pgmanager run without a store secret), give it the cluster's ACL: setAcl -R " + layout.root() + " "
                + expected.getFirst().getId().getScheme() + ":" + expected.getFirst().getId().getId() + ":cdrwa");
    }

    @Override
    public String clusterName() {
        return settings.clusterName();
    }

    /** The ensemble's peers as its servers hold them (its dynamic configuration); none for a standalone server. */
    public EnsembleConfig ensembleConfig() {
        return call("read the ensemble configuration", () ->
                EnsembleConfig.parse(new String(client.getConfig().forEnsemble(), java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The peer list a peer being added should start with (see {@link #announceJoiningPeer}), if one is announced. */
    public Optional<EnsembleConfig> joiningPeers() {
        return call("read the joining peer list at " + layout.ensembleJoining(), () -> {
            try {
                return Optional.of(EnsembleConfig.parse(new String(client.getData().forPath(layout.ensembleJoining()),
                        java.nio.charset.StandardCharsets.UTF_8)));
            } catch (KeeperException.NoNodeException none) {
                return Optional.empty();
            }
        });
    }

    /**
     * Tells the member about to become a peer which peer list to start its server with (the current peers and
     * itself), before the ensemble is reconfigured to include it; empty withdraws the announcement.
     */
    public void announceJoiningPeer(Optional<EnsembleConfig> peers) {
        run("announce the joining peer list at " + layout.ensembleJoining(), () -> {
            try {
                client.delete().forPath(layout.ensembleJoining());
            } catch (KeeperException.NoNodeException none) {
                // nothing announced before
            }
            if (peers.isPresent()) {
                client.create().forPath(layout.ensembleJoining(), peers.get().format().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>A record that cannot be decoded is left out and listed in {@link ClusterSnapshot#unreadable()}, so that one bad
     * record (a history entry, a member's, the leader's) never hides the rest; an unreadable spec is replaced by the
     * last one this client read (or the defaults). Only an unreadable identity or epoch counter fails the read: without
     * them nothing can be decided safely.
     */
    @Override
    public ClusterSnapshot read() {
        return call("read the records under " + layout.root(), () -> {
            ClusterSnapshot snapshot = snapshots.read(settings.clusterName(), Optional.ofNullable(lastReadSpec), HISTORY_READ_LIMIT);
            if (snapshot.spec().exists() && snapshot.unreadable().stream().noneMatch(r -> r.part() == Part.SPEC)) lastReadSpec = snapshot.spec();
            return snapshot;
        });
    }

    /**
     * Finds this cluster's records that cannot be read and, unless {@code dryRun}, copies each under
     * {@code <root>/repaired/} and removes it, or rewrites it where the cluster cannot do without it (the epoch counter).
     *
     * @return one entry per unreadable record, saying what was (or would be) done
     */
    public List<RecordRepair> repairUnreadable(boolean dryRun) {
        return call((dryRun ? "look for" : "repair") + " unreadable records under " + layout.root(),
                () -> new StoreRepair(client, layout, codec, Instant.now()).repair(dryRun));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Removes it only while it is still unreadable and still the same znode version, so a lease taken meanwhile is
     * never removed.
     */
    @Override
    public boolean removeUnreadableLeader() {
        return call("remove the unreadable leader record at " + layout.leader(), () -> {
            Stat epoch = client.checkExists().forPath(layout.epoch());
            var stat = new Stat();
            byte[] data;
            try {
                data = client.getData().storingStatIn(stat).forPath(layout.leader());
            } catch (KeeperException.NoNodeException gone) {
                return false;
            }
            try {
                codec.decode(layout.leader(), data, Leader.class);
                return false;
            } catch (CorruptRecordException stillUnreadable) {
                // ours to remove only if this session's, or nobody's
            }
            long owner = stat.getEphemeralOwner();
            if (owner != 0 && owner != sessionId()) return false;
            try {
                deleteLeaderRecord(epoch, stat.getVersion());
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                return false;
            }
            LOG.warn("removed the unreadable leader record at {} ({}), so that a leader can be elected", layout.leader(),
                    owner == 0 ? "a persistent znode nobody's session keeps" : "it belonged to this session");
            return true;
        });
    }

    @Override
    public void touchMember(Member member) {
        String path = layout.member(member.machineId());
        byte[] data = codec.encode(member);
        run("publish the member record " + path, () -> {
            for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
                Stat stat = client.checkExists().forPath(path);
                try {
                    if (stat == null) {
                        client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
                        return;
                    }
                    if (stat.getEphemeralOwner() == sessionId()) {
                        client.setData().forPath(path, data);
                        return;
                    }
                    // Left by an earlier incarnation of this machine whose session has not expired yet (or written
                    // by hand): the machine ID makes it ours, and it must become ephemeral to this session.
                    client.delete().withVersion(stat.getVersion()).forPath(path);
                } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException | KeeperException.BadVersionException race) {
                    LOG.debug("member record {} changed while publishing it; retrying", path, race);
                }
            }
            throw new StoreException("could not publish the member record " + path + ": it kept changing under us");
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>If this session already holds the lease for {@code machineId} (say, an earlier call succeeded on the
     * server but its answer was lost), that lease is returned.
     */
    @Override
    public Optional<Leader> tryAcquireLeadership(String machineId) {
        MachineIds.requireValid(machineId);
        return call("take the leader lease at " + layout.leader(), () -> {
            for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
                // A server that lags the ensemble could still show a lease already released: it would refuse a free
                // lease until the next attempt, a lost tick in a failover.
                catchUpWithEnsemble(layout.leader());
                var current = readStored(layout.leader(), Leader.class);
                if (current.isPresent()) {
                    var holder = current.get();
                    boolean ours = holder.stat().getEphemeralOwner() == sessionId() && holder.value().machineId().equals(machineId);
                    return ours ? Optional.of(holder.value()) : Optional.empty();
                }
                var epoch = readStored(layout.epoch(), EpochCounter.class);
                long next = epoch.map(e -> e.value().epoch()).orElse(0L) + 1;
                var lease = new Leader(machineId, next, Instant.now());
                byte[] counter = codec.encode(new EpochCounter(next));
                CuratorOp bumpEpoch = epoch.isPresent()
                        ? client.transactionOp().setData().withVersion(epoch.get().stat().getVersion()).forPath(layout.epoch(), counter)
                        : client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(layout.epoch(), counter);
                CuratorOp createLeader = client.transactionOp().create().withMode(CreateMode.EPHEMERAL)
                        .forPath(layout.leader(), codec.encode(lease));
                try {
                    client.transaction().forOperations(bumpEpoch, createLeader);
                    LOG.info("{} took the leader lease of cluster {} with epoch {}", machineId, clusterName(), next);
                    return Optional.of(lease);
                } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException | KeeperException.NoNodeException race) {
                    // Someone else bumped the epoch or took the lease since we looked: look again.
                    LOG.debug("lost a race for the leader lease of cluster {}", clusterName(), race);
                }
            }
            throw new StoreException("could not take the leader lease at " + layout.leader()
                    + ": the epoch kept changing under us (" + CONFLICT_ATTEMPTS + " attempts)");
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Gives up after a third of the session timeout: a later answer would leave the caller too little of its lease to
     * act on. Connection trouble answers {@code false}, never an exception.
     */
    @Override
    public boolean confirmLeadership(Leader lease) {
        try {
            return askLeadership(lease).get(sessionTimeout().toMillis() / 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("could not confirm the leader lease of {} (epoch {})", lease.machineId(), lease.epoch(), e);
            return false;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Syncs the server with the ensemble's leader and then reads the lease, so a lagging server cannot answer from
     * old state. The answer comes on ZooKeeper's event thread: callers must not block in what they chain to it.
     */
    @Override
    public CompletableFuture<Boolean> askLeadership(Leader lease) {
        var answer = new CompletableFuture<Boolean>();
        try {
            if (!client.getZookeeperClient().isConnected()) return CompletableFuture.completedFuture(false);
            var zooKeeper = client.getZookeeperClient().getZooKeeper();
            long session = zooKeeper.getSessionId();
            // Requests on one session are answered in order, so the read below comes after the sync completes.
            zooKeeper.sync(layout.leader(), (rc, path, context) -> {}, null);
            zooKeeper.getData(layout.leader(), false, (rc, path, context, data, stat) -> {
                try {
                    answer.complete(rc == Code.OK.intValue() && stat.getEphemeralOwner() == session
                            && sameLease(codec.decode(path, data, Leader.class), lease));
                } catch (CorruptRecordException e) {
                    LOG.warn("cannot confirm the leader lease: {}", e.getMessage());
                    answer.complete(false);
                }
            }, null);
        } catch (Exception e) {
            LOG.debug("could not ask for the leader lease of {} (epoch {})", lease.machineId(), lease.epoch(), e);
            answer.complete(false);
        }
        return answer.completeOnTimeout(false, sessionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@inheritDoc} (See {@link #deleteLeaderRecord} for why the epoch counter is read first.) */
    @Override
    public void releaseLeadership(Leader lease) {
        run("release the leader lease at " + layout.leader(), () -> {
            Stat epoch = client.checkExists().forPath(layout.epoch());
            var ours = ourLease(lease);
            if (ours.isEmpty()) return;
            try {
                deleteLeaderRecord(epoch, ours.get().getVersion());
                LOG.info("{} released the leader lease of cluster {} (epoch {})", lease.machineId(), clusterName(), lease.epoch());
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException alreadyGone) {
                // the session ended, it was released meanwhile (or by this very call, whose first answer was lost), or
                // another lease was taken since: not ours anymore either way
            }
        });
    }

    /**
     * Deletes the leader record at {@code version}, in one transaction with a check that the epoch counter is still at the
     * version {@code epoch} has (read before the record was; no check when there is no counter). The record is created
     * once and never rewritten, so its own version is 0 for every holder, and Curator retries an operation whose answer
     * was lost: a plain delete retried after the next holder took the lease (milliseconds after a release) would delete
     * the next holder's. Every lease taken moves the counter's version, so such a retry fails instead. Its version only,
     * not its content: a counter rewritten by {@code store repair} still fences, and one that cannot be read does not
     * keep a lease from being released. (Package-private: a test replays what a retry sends.)
     */
    void deleteLeaderRecord(Stat epoch, int version) throws Exception {
        CuratorOp delete = client.transactionOp().delete().withVersion(version).forPath(layout.leader());
        if (epoch == null) {
            client.transaction().forOperations(delete);
        } else {
            client.transaction().forOperations(client.transactionOp().check().withVersion(epoch.getVersion()).forPath(layout.epoch()),
                    delete);
        }
    }

    @Override
    public void writeSyncState(Leader lease, SyncState state) {
        changeSyncState(lease, Optional.of(state));
    }

    @Override
    public void clearSyncState(Leader lease) {
        changeSyncState(lease, Optional.empty());
    }

    /** Writes ({@code state} present) or deletes the sync state, fenced on {@code lease} in the same transaction. */
    private void changeSyncState(Leader lease, Optional<SyncState> state) {
        byte[] data = state.map(codec::encode).orElse(null);
        run((data == null ? "clear" : "write") + " the sync state at " + layout.sync(), () -> {
            for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
                // The epoch is read before the lease is verified ours: any lease taken after this read changes the
                // epoch's version, which the transaction's check then catches.
                var epoch = readStored(layout.epoch(), EpochCounter.class);
                var leaderStat = ourLease(lease);
                if (epoch.isEmpty() || epoch.get().value().epoch() != lease.epoch() || leaderStat.isEmpty()) {
                    throw notLeader(lease);
                }
                Stat syncStat = client.checkExists().forPath(layout.sync());
                if (data == null && syncStat == null) return;
                CuratorOp write = data == null
                        ? client.transactionOp().delete().withVersion(syncStat.getVersion()).forPath(layout.sync())
                        : syncStat == null
                        ? client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(layout.sync(), data)
                        : client.transactionOp().setData().withVersion(syncStat.getVersion()).forPath(layout.sync(), data);
                try {
                    client.transaction().forOperations(
                            client.transactionOp().check().withVersion(epoch.get().stat().getVersion()).forPath(layout.epoch()),
                            client.transactionOp().check().withVersion(leaderStat.get().getVersion()).forPath(layout.leader()),
                            write);
                    return;
                } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                    if (failedOperation(e) != 2) throw notLeader(lease);
                    LOG.debug("the sync state changed while writing it; retrying", e);
                }
            }
            throw new StoreException("could not write the sync state at " + layout.sync() + ": it kept changing under us");
        });
    }

    @Override
    public Versioned<ClusterSpec> compareAndSetSpec(ClusterSpec spec, int expectedVersion) {
        byte[] data = codec.encode(spec);
        String path = layout.spec();
        return call("write the spec at " + path, () -> {
            if (expectedVersion == Versioned.ABSENT) {
                try {
                    client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data);
                    return new Versioned<>(spec, 0);
                } catch (KeeperException.NodeExistsException e) {
                    throw new StaleVersionException("the spec at " + path + " was expected not to exist, but it does: read it and retry");
                }
            }
            try {
                Stat stat = client.setData().withVersion(expectedVersion).forPath(path, data);
                return new Versioned<>(spec, stat.getVersion());
            } catch (KeeperException.BadVersionException e) {
                throw new StaleVersionException("the spec at " + path + " changed since version " + expectedVersion
                        + " was read: read it again and retry");
            } catch (KeeperException.NoNodeException e) {
                throw new StaleVersionException("the spec at " + path + " was expected at version " + expectedVersion
                        + ", but it does not exist: read it again and retry");
            }
        });
    }

    @Override
    public boolean initialize(ClusterIdentity identity) {
        return createIfAbsent(layout.identity(), codec.encode(identity), "claim the cluster's initialization");
    }

    @Override
    public void appendHistory(HistoryEntry entry) {
        run("append to the history at " + layout.history(), () -> {
            client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(layout.historyEntryPrefix(), codec.encode(entry));
            trimHistory();
        });
    }

    /** Keeps the history bounded; several members trimming at once is harmless. */
    private void trimHistory() throws Exception {
        var names = historyEntryNames();
        for (String oldest : names.subList(0, Math.max(0, names.size() - HISTORY_KEPT))) {
            try {
                client.delete().forPath(layout.history() + "/" + oldest);
            } catch (KeeperException.NoNodeException trimmedByAnother) {
                // fine
            }
        }
    }

    @Override
    public void recordAddress(String machineId, String address, Instant now) {
        String path = layout.addressHistory(machineId);
        run("record the address of " + machineId + " at " + path, () -> {
            // Only the machine itself writes its history; the version check still keeps two of its sessions honest.
            for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
                Optional<Stored<AddressHistory>> stored = readStored(path, AddressHistory.class);
                AddressHistory next = stored.map(Stored::value).orElse(AddressHistory.EMPTY).seen(address, now);
                try {
                    if (stored.isEmpty()) {
                        client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, codec.encode(next));
                    } else {
                        client.setData().withVersion(stored.get().stat().getVersion()).forPath(path, codec.encode(next));
                    }
                    return;
                } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException
                        | KeeperException.NoNodeException e) {
                    LOG.debug("the address history at {} changed while writing it; retrying", path, e);
                }
            }
            throw new StoreException("could not record the address at " + path + ": it kept changing under us");
        });
    }

    @Override
    public Map<String, List<AddressRecord>> readAddressHistory() {
        var histories = new TreeMap<String, List<AddressRecord>>();
        for (String machineId : children(layout.addresses())) {
            readValue(layout.addresses() + "/" + machineId, AddressHistory.class)
                    .ifPresent(history -> histories.put(machineId, history.addresses()));
        }
        return histories;
    }

    @Override
    public boolean requestHandover(HandoverRequest request) {
        return createIfAbsent(layout.handover(), codec.encode(request), "file a handover request");
    }

    @Override
    public void replaceHandover(HandoverRequest request) {
        byte[] data = codec.encode(request);
        run("replace the handover request at " + layout.handover(), () -> {
            try {
                client.setData().forPath(layout.handover(), data);
            } catch (KeeperException.NoNodeException nonePending) {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(layout.handover(), data);
            }
        });
    }

    @Override
    public void clearHandover() {
        run("clear the handover request at " + layout.handover(), () -> {
            try {
                client.delete().forPath(layout.handover());
            } catch (KeeperException.NoNodeException nothingPending) {
                // already clear
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Also called once per existing znode while the watch loads, so a caller that only re-reads on a call
     * needs no special start-up case. Calls come from Curator's event thread, so {@code onChange} should only wake
     * the caller, not do its work.
     */
    @Override
    public AutoCloseable watch(Consumer<StoreChange> onChange) {
        var cache = CuratorCache.build(client, layout.root());
        // Events already queued when the watch closes must not reach the caller either.
        var open = new AtomicBoolean(true);
        cache.listenable().addListener(CuratorCacheListener.builder().forAll((type, before, after) -> {
            if (!open.get()) return;
            try {
                onChange.accept(layout.changeAt((after != null ? after : before).getPath()));
            } catch (RuntimeException e) {
                LOG.warn("a store watcher failed; it stays registered", e);
            }
        }).build());
        openWatches.add(cache);
        cache.start();
        return () -> {
            open.set(false);
            openWatches.remove(cache);
            cache.close();
        };
    }

    @Override
    public void addConnectionListener(Consumer<StoreConnectionState> listener) {
        client.getConnectionStateListenable().addListener((ignored, state) -> listener.accept(toStoreState(state)));
    }

    static StoreConnectionState toStoreState(ConnectionState state) {
        return switch (state) {
            case CONNECTED -> StoreConnectionState.CONNECTED;
            case RECONNECTED -> StoreConnectionState.RECONNECTED;
            // A read-only server cannot keep our session's lease: as unsafe as no connection.
            case SUSPENDED, READ_ONLY -> StoreConnectionState.SUSPENDED;
            case LOST -> StoreConnectionState.LOST;
        };
    }

    /** The timeout the server granted this session, or the one asked for before any was granted. */
    @Override
    public Duration sessionTimeout() {
        try {
            int negotiated = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (negotiated > 0) return Duration.ofMillis(negotiated);
        } catch (Exception e) {
            LOG.debug("no ZooKeeper session to ask for its timeout", e);
        }
        return settings.sessionTimeout();
    }

    @Override
    public void close() {
        openWatches.forEach(CuratorCache::close);
        openWatches.clear();
        client.close();
    }

    /**
     * Runs one store operation, failing at once when there has been no connection for a whole connection timeout:
     * Curator would otherwise send the request anyway and wait for the ZooKeeper client to give up on it.
     */
    private <T> T call(String what, ZooKeeperCalls.Call<T> operation) {
        return ZooKeeperCalls.call(what, () -> {
            if (!client.getZookeeperClient().blockUntilConnectedOrTimedOut()) {
                throw new StoreUnavailableException("could not " + what + ": no connection to ZooKeeper at "
                        + settings.connectString() + " for " + readable(settings.connectionTimeout()), null);
            }
            return operation.run();
        });
    }

    private void run(String what, ZooKeeperCalls.Action action) {
        call(what, () -> {
            action.run();
            return null;
        });
    }

    private record Stored<T>(T value, Stat stat) {}

    /**
     * Asks the server this session talks to to catch up with the ensemble's leader before the reads that follow
     * (a session's requests are answered in order). Bounded: when it cannot be done soon, the reads go ahead and a
     * transaction's version checks still refuse anything decided on old state.
     */
    private void catchUpWithEnsemble(String path) throws InterruptedException {
        if (!client.getZookeeperClient().isConnected()) return;
        var done = new CountDownLatch(1);
        try {
            client.getZookeeperClient().getZooKeeper().sync(path, (rc, p, context) -> done.countDown(), null);
        } catch (Exception e) {
            return;
        }
        done.await(sessionTimeout().toMillis() / 3, TimeUnit.MILLISECONDS);
    }

    private <T extends Record> Optional<Stored<T>> readStored(String path, Class<T> type) {
        return call("read " + path, () -> {
            var stat = new Stat();
            try {
                byte[] data = client.getData().storingStatIn(stat).forPath(path);
                return Optional.of(new Stored<>(codec.decode(path, data, type), stat));
            } catch (KeeperException.NoNodeException absent) {
                return Optional.empty();
            }
        });
    }

    private <T extends Record> Optional<T> readValue(String path, Class<T> type) {
        return readStored(path, type).map(Stored::value);
    }

    /** Oldest first: the zero-padded sequence suffix makes name order creation order. */
    private List<String> historyEntryNames() throws Exception {
        return childrenOrEmpty(layout.history()).stream().filter(name -> name.startsWith(ClusterLayout.HISTORY_PREFIX)).sorted().toList();
    }

    private List<String> children(String path) {
        return call("list " + path, () -> childrenOrEmpty(path));
    }

    private List<String> childrenOrEmpty(String path) throws Exception {
        try {
            return client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException none) {
            return List.of();
        }
    }

    /** The leader znode's stat when it holds {@code lease} and belongs to this session. */
    private Optional<Stat> ourLease(Leader lease) throws Exception {
        long session = sessionId();
        return readStored(layout.leader(), Leader.class)
                .filter(stored -> stored.stat().getEphemeralOwner() == session && sameLease(stored.value(), lease))
                .map(Stored::stat);
    }

    private static boolean sameLease(Leader stored, Leader lease) {
        return stored.machineId().equals(lease.machineId()) && stored.epoch() == lease.epoch();
    }

    private static NotLeaderException notLeader(Leader lease) {
        return new NotLeaderException(lease.machineId() + " no longer holds the leader lease of epoch " + lease.epoch());
    }

    private boolean createIfAbsent(String path, byte[] data, String what) {
        return call(what + " at " + path, () -> {
            try {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data);
                return true;
            } catch (KeeperException.NodeExistsException alreadyThere) {
                return false;
            }
        });
    }

    private long sessionId() throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }

    /** The index of the operation that made a transaction fail, or -1 when the server did not say. */
    private static int failedOperation(KeeperException e) {
        List<OpResult> results = e.getResults();
        if (results == null) return -1;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) instanceof OpResult.ErrorResult error
                    && error.getErr() != Code.OK.intValue() && error.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
                return i;
            }
        }
        return -1;
    }

    private static int millis(Duration duration) {
        return Math.toIntExact(duration.toMillis());
    }

    private static String readable(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
