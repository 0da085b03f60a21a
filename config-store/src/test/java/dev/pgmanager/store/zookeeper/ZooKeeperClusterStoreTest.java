package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.NotLeaderException;
import dev.pgmanager.store.StaleVersionException;
import dev.pgmanager.store.StoreChange;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.Versioned;
import dev.pgmanager.store.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ZooKeeperClusterStoreTest {
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00.123456Z");

    private static Member member(String machineId, MemberRole role) {
        return new Member(machineId, "ams", role, MemberState.STREAMING, 3, 1_000_000, 999_000, new Member.Tags(true, 7), 5432, 8008, NOW);
    }

    @Test
    void everyRecordTypeReadsBackAsWritten() {
        String cluster = zk.newCluster();
        var store = zk.store(cluster);
        var spec = new ClusterSpec(2500, 1024, true, false, Map.of("max_connections", "200", "wal_level", "replica"));
        var identity = new ClusterIdentity("m1", "7321456789012345678", NOW);
        var member = member("m1", MemberRole.PRIMARY);
        var history = new HistoryEntry(NOW, "bootstrap", "m1", 1, 1, "m1 initialized the cluster");
        var handover = new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, "m1", null, NOW);

        var storedSpec = store.compareAndSetSpec(spec, Versioned.ABSENT);
        assertTrue(store.initialize(identity));
        store.touchMember(member);
        var lease = store.tryAcquireLeadership("m1").orElseThrow();
        var sync = new SyncState("m1", lease.epoch(), Set.of("m2", "m3"), 1);
        store.writeSyncState(lease, sync);
        store.appendHistory(history);
        assertTrue(store.requestHandover(handover));

        ClusterSnapshot snapshot = store.read();
        assertEquals(cluster, snapshot.cluster());
        assertEquals(storedSpec, snapshot.spec());
        assertEquals(new Versioned<>(spec, 0), snapshot.spec());
        assertEquals(Optional.of(identity), snapshot.identity());
        assertEquals(Map.of("m1", member), snapshot.members());
        assertEquals(Optional.of(lease), snapshot.leader());
        assertEquals(1, snapshot.lastEpoch());
        assertEquals(Optional.of(sync), snapshot.sync());
        assertEquals(List.of(history), snapshot.history());
        assertEquals(Optional.of(handover), snapshot.handover());
    }

    @Test
    void anEmptyClusterReadsAsDefaults() {
        var snapshot = zk.store(zk.newCluster()).read();
        assertEquals(new Versioned<>(ClusterSpec.defaults(), Versioned.ABSENT), snapshot.spec());
        assertEquals(0, snapshot.lastEpoch());
        assertTrue(snapshot.members().isEmpty());
        assertTrue(snapshot.leader().isEmpty() && snapshot.identity().isEmpty() && snapshot.sync().isEmpty()
                && snapshot.handover().isEmpty() && snapshot.history().isEmpty());
    }

    @Test
    void historyReadsTheNewestEntriesOldestFirst() {
        var store = zk.store(zk.newCluster());
        int written = ZooKeeperClusterStore.HISTORY_READ_LIMIT + 5;
        for (int i = 0; i < written; i++) {
            store.appendHistory(new HistoryEntry(NOW.plusSeconds(i), "event", "m1", 0, 0, "event " + i));
        }
        var history = store.read().history();
        assertEquals(ZooKeeperClusterStore.HISTORY_READ_LIMIT, history.size());
        assertEquals("event 5", history.getFirst().detail());
        assertEquals("event " + (written - 1), history.getLast().detail());

        // a later read adds the new entries to those it already decoded, and leaves out those now too old
        for (int i = written; i < written + 3; i++) {
            store.appendHistory(new HistoryEntry(NOW.plusSeconds(i), "event", "m1", 0, 0, "event " + i));
        }
        var later = store.read().history();
        assertEquals(ZooKeeperClusterStore.HISTORY_READ_LIMIT, later.size());
        assertEquals("event 8", later.getFirst().detail());
        assertEquals("event " + (written + 2), later.getLast().detail());
        assertEquals(history.subList(3, history.size()), later.subList(0, later.size() - 3));
    }

    @Test
    void specCompareAndSetRejectsStaleVersions() {
        var store = zk.store(zk.newCluster());
        var first = store.compareAndSetSpec(ClusterSpec.defaults(), Versioned.ABSENT);
        var paused = ClusterSpec.defaults().withPaused(true);

        var stale = assertThrows(StaleVersionException.class, () -> store.compareAndSetSpec(paused, Versioned.ABSENT));
        assertTrue(stale.getMessage().contains("/spec"), stale.getMessage());

        var second = store.compareAndSetSpec(paused, first.version());
        assertEquals(first.version() + 1, second.version());
        assertThrows(StaleVersionException.class, () -> store.compareAndSetSpec(ClusterSpec.defaults(), first.version()));
        assertEquals(second, store.read().spec());
    }

    @Test
    void leadershipGoesToOneContenderAtATimeWithGrowingEpochs() {
        String cluster = zk.newCluster();
        var first = zk.store(cluster);
        var second = zk.store(cluster);

        var lease = first.tryAcquireLeadership("m1").orElseThrow();
        assertEquals(1, lease.epoch());
        assertEquals(Optional.empty(), second.tryAcquireLeadership("m2"));
        assertTrue(first.confirmLeadership(lease));
        assertFalse(second.confirmLeadership(lease), "the lease belongs to the first store's session");
        assertFalse(second.confirmLeadership(new Leader("m2", 1, NOW)));

        first.releaseLeadership(lease);
        assertFalse(first.confirmLeadership(lease));
        var next = second.tryAcquireLeadership("m2").orElseThrow();
        assertEquals(2, next.epoch());
        assertEquals(2, second.read().lastEpoch());
        assertTrue(second.confirmLeadership(next));
    }

    @Test
    void contendersRacingForTheLeaseGetExactlyOneWinner() throws Exception {
        String cluster = zk.newCluster();
        int contenders = 6;
        var stores = IntStream.range(0, contenders).mapToObj(i -> zk.store(cluster)).toList();
        var start = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var attempts = IntStream.range(0, contenders).mapToObj(i -> threads.submit(() -> {
                start.await();
                return stores.get(i).tryAcquireLeadership("m" + i);
            })).toList();
            start.countDown();
            var winners = new ArrayList<Leader>();
            for (var attempt : attempts) attempt.get(10, TimeUnit.SECONDS).ifPresent(winners::add);

            assertEquals(1, winners.size(), "winners: " + winners);
            assertEquals(1, winners.getFirst().epoch());
            assertEquals(Optional.of(winners.getFirst()), stores.getFirst().read().leader());
            assertEquals(1, stores.getFirst().read().lastEpoch());
        }
    }

    @Test
    void aReleaseRetriedAfterTheNextHolderTookTheLeaseLeavesTheNextHoldersLease() throws Exception {
        String cluster = zk.newCluster();
        var holder = zk.store(cluster);
        var next = zk.store(cluster);
        var layout = ClusterLayout.forCluster(cluster);
        var lease = holder.tryAcquireLeadership("m1").orElseThrow();
        // What the release read before it deleted: the counter's version, and the record's (0, as for every holder)
        Stat epochBefore = zk.rawClient().checkExists().forPath(layout.epoch());
        int recordVersion = zk.rawClient().checkExists().forPath(layout.leader()).getVersion();
        holder.deleteLeaderRecord(epochBefore, recordVersion);
        var nextLease = next.tryAcquireLeadership("m2").orElseThrow();
        assertEquals(recordVersion, zk.rawClient().checkExists().forPath(layout.leader()).getVersion(),
                "the next holder's record has the same version: it alone cannot tell the two apart");

        // The store client sends the same delete again when the first answer was lost
        assertThrows(KeeperException.BadVersionException.class, () -> holder.deleteLeaderRecord(epochBefore, recordVersion));

        assertEquals(Optional.of(nextLease), next.read().leader());
        assertTrue(next.confirmLeadership(nextLease));
    }

    @Test
    void releasingSomeoneElsesLeaseLeavesItInPlace() {
        String cluster = zk.newCluster();
        var holder = zk.store(cluster);
        var other = zk.store(cluster);
        var lease = holder.tryAcquireLeadership("m1").orElseThrow();

        other.releaseLeadership(lease);

        assertEquals(Optional.of(lease), other.read().leader());
        assertTrue(holder.confirmLeadership(lease));
    }

    @Test
    void onlyTheLeaseHolderWritesTheSyncState() {
        String cluster = zk.newCluster();
        var holder = zk.store(cluster);
        var other = zk.store(cluster);
        var lease = holder.tryAcquireLeadership("m1").orElseThrow();
        var state = new SyncState("m1", lease.epoch(), Set.of("m2"), 1);

        assertThrows(NotLeaderException.class, () -> other.writeSyncState(lease, state));

        holder.writeSyncState(lease, state);
        holder.releaseLeadership(lease);
        assertThrows(NotLeaderException.class, () -> holder.writeSyncState(lease, new SyncState("m1", lease.epoch(), Set.of(), 0)));
        assertEquals(Optional.of(state), other.read().sync());
    }

    @Test
    void onlyTheLeaseHolderClearsTheSyncState() {
        String cluster = zk.newCluster();
        var holder = zk.store(cluster);
        var other = zk.store(cluster);
        var lease = holder.tryAcquireLeadership("m1").orElseThrow();
        holder.writeSyncState(lease, new SyncState("m1", lease.epoch(), Set.of("m2"), 1));

        assertThrows(NotLeaderException.class, () -> other.clearSyncState(lease));
        assertTrue(other.read().sync().isPresent());

        holder.clearSyncState(lease);
        holder.clearSyncState(lease);
        assertTrue(other.read().sync().isEmpty());
    }

    @Test
    void memberAndLeaseEndWithTheirSession() {
        String cluster = zk.newCluster();
        var holder = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(cluster)));
        var observer = zk.store(cluster);
        holder.touchMember(member("m1", MemberRole.PRIMARY));
        holder.tryAcquireLeadership("m1").orElseThrow();
        assertTrue(observer.read().isLeader("m1"));

        holder.close();

        var after = observer.read();
        assertTrue(after.members().isEmpty(), "member record outlived its session: " + after.members());
        assertEquals(Optional.empty(), after.leader());
        assertEquals(1, after.lastEpoch(), "the epoch outlives the lease");
        assertEquals(2, observer.tryAcquireLeadership("m2").orElseThrow().epoch());
    }

    @Test
    void aRestartedMachineTakesOverItsMemberRecordFromItsOldSession() {
        String cluster = zk.newCluster();
        var oldIncarnation = zk.closeAfterTest(ZooKeeperClusterStore.connect(zk.settings(cluster)));
        var newIncarnation = zk.store(cluster);
        oldIncarnation.touchMember(member("m1", MemberRole.PRIMARY));

        var restarted = member("m1", MemberRole.INITIALIZING);
        newIncarnation.touchMember(restarted);
        oldIncarnation.close();

        assertEquals(Map.of("m1", restarted), newIncarnation.read().members(), "the record must now live in the new session");
    }

    @Test
    void touchingAMemberAgainReplacesItsRecord() {
        var store = zk.store(zk.newCluster());
        store.touchMember(member("m1", MemberRole.REPLICA));
        var promoted = member("m1", MemberRole.PRIMARY);
        store.touchMember(promoted);
        assertEquals(Map.of("m1", promoted), store.read().members());
    }

    @Test
    void initializationIsClaimedOnce() {
        String cluster = zk.newCluster();
        var first = new ClusterIdentity("m1", "111", NOW);
        assertTrue(zk.store(cluster).initialize(first));
        assertFalse(zk.store(cluster).initialize(new ClusterIdentity("m2", "222", NOW)));
        assertEquals(Optional.of(first), zk.store(cluster).read().identity());
    }

    @Test
    void oneHandoverRequestIsPendingAtATime() {
        var store = zk.store(zk.newCluster());
        var switchover = new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, "m1", "m2", NOW);
        var failover = new HandoverRequest(HandoverRequest.Kind.FAILOVER, null, "m3", NOW);

        assertTrue(store.requestHandover(switchover));
        assertFalse(store.requestHandover(failover));
        assertEquals(Optional.of(switchover), store.read().handover());

        store.clearHandover();
        store.clearHandover();
        assertEquals(Optional.empty(), store.read().handover());
        assertTrue(store.requestHandover(failover));
    }

    @Test
    void aPendingRequestIsReplacedInOneWriteAndFiledWhenNoneIsPending() {
        var store = zk.store(zk.newCluster());
        var filed = new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, null, null, NOW);
        var pinned = new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, "m1", "m2", NOW);

        store.replaceHandover(filed);
        assertEquals(Optional.of(filed), store.read().handover(), "filed when none was pending");
        store.replaceHandover(pinned.withLastLsn(1234));
        assertEquals(Optional.of(pinned.withLastLsn(1234)), store.read().handover(), "replaced");
        assertFalse(store.requestHandover(filed), "still pending: one request at a time");
    }

    @Test
    void watchFiresOnAnotherClientsChange() throws Exception {
        String cluster = zk.newCluster();
        var watcher = zk.store(cluster);
        var changes = new CopyOnWriteArrayList<StoreChange>();
        var watch = zk.closeAfterTest(watcher.watch(changes::add));

        // A fresh cluster has no members yet, so MEMBERS cannot come from the cache's initial load, only from this.
        zk.store(cluster).touchMember(member("m2", MemberRole.REPLICA));

        Await.until(Duration.ofSeconds(5), "the watch reported the new member", () -> changes.contains(StoreChange.MEMBERS));
        assertFalse(changes.contains(StoreChange.HISTORY), "no history yet: " + changes);
        watch.close();
        int afterClose = changes.size();
        // A watch still open on the same client sees the next change: once it has, the closed one would have too.
        var stillOpen = new CopyOnWriteArrayList<StoreChange>();
        zk.closeAfterTest(watcher.watch(stillOpen::add));
        zk.store(cluster).appendHistory(new HistoryEntry(NOW, "event", "m2", 0, 0, "after the watch closed"));
        Await.until(Duration.ofSeconds(5), "a watch still open reported the history entry", () -> stillOpen.contains(StoreChange.HISTORY));
        assertEquals(afterClose, changes.size(), "a closed watch must not fire: " + changes.subList(afterClose, changes.size()));
    }

    @Test
    void sessionTimeoutIsTheNegotiatedOne() {
        assertEquals(Duration.ofSeconds(4), zk.store(zk.newCluster()).sessionTimeout());
    }

    @Test
    void storedTimestampsAreIsoStrings() throws Exception {
        String cluster = zk.newCluster();
        zk.store(cluster).touchMember(member("m1", MemberRole.REPLICA));
        String json = new String(zk.rawClient().getData().forPath("/pgmanager/" + cluster + "/members/m1"), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"format\":1"), json);
        assertTrue(json.contains("\"updatedAt\":\"2026-03-01T12:00:00.123456Z\""), json);
    }

    @Test
    void aLeaseTakenAgainBySameSessionIsReturned() {
        var store = zk.store(zk.newCluster());
        var lease = store.tryAcquireLeadership("m1").orElseThrow();
        assertEquals(Optional.of(lease), store.tryAcquireLeadership("m1"));
        assertEquals(Optional.empty(), store.tryAcquireLeadership("m2"), "one session, another machine: not its lease");
    }

    @Test
    void timestampsKeepTheirPrecision() {
        var store = zk.store(zk.newCluster());
        var at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        store.appendHistory(new HistoryEntry(at, "event", "m1", 0, 0, "now"));
        assertEquals(at, store.read().history().getFirst().at());
    }
}
