package dev.pgmanager.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.Leader;
import dev.pgmanager.store.partition.CuttableProxy;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.EmbeddedEnsemble;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lease on a real three-server ZooKeeper ensemble. */
class LeaderLeaseTest {
    private static final Duration SESSION = Duration.ofSeconds(2);
    /** Expiry happens within a session timeout plus a couple of server ticks; then the next holder needs a round trip. */
    private static final Duration HANDOVER_BOUND = SESSION.plusSeconds(3);
    /** The longest the one-holder checker sleeps between looks when no lease changes state. */
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(5);

    private static EmbeddedEnsemble ensemble;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startEnsemble() {
        ensemble = EmbeddedEnsemble.startWith(3);
    }

    @AfterAll
    static void stopEnsemble() {
        if (ensemble != null) ensemble.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables.reversed()) c.close();
    }

    private record Contender(String id, ZooKeeperClusterStore store, LeaderLease lease) {}

    private Contender contender(String cluster, String id, String connectString) {
        var store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(connectString, cluster)
                .withSessionTimeout(SESSION).withStartupWait(Duration.ofSeconds(10)));
        closeables.add(store);
        var lease = new LeaderLease(store, id, Clock.systemUTC());
        closeables.add(lease);
        return new Contender(id, store, lease);
    }

    @Test
    void neverMoreThanOneHolderAndEpochsOnlyGrow() throws Exception {
        String cluster = "contention";
        List<CuttableProxy> proxies = new ArrayList<>();
        List<Contender> contenders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // Each contender reaches one server through its own proxy, so the test can cut any one of them off.
            var proxy = CuttableProxy.to(serverAddress(i % ensemble.size()));
            closeables.add(proxy);
            proxies.add(proxy);
            contenders.add(contender(cluster, "member" + i, proxy.connectString()));
        }
        List<String> violations = new CopyOnWriteArrayList<>();
        List<Long> epochs = new CopyOnWriteArrayList<>();
        AtomicReference<Boolean> running = new AtomicReference<>(true);
        // The checker looks at once when any lease changes state (a new holder is HELD), and every few milliseconds
        // anyway, because a holder stops being held by the clock too; it waits in between rather than spin a core.
        Semaphore leaseChanges = new Semaphore(0);
        for (Contender c : contenders) c.lease().addListener(state -> leaseChanges.release());
        Thread checker = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                long holders = contenders.stream().filter(c -> c.lease().isHeld()).count();
                if (holders > 1) violations.add(Instant.now() + ": " + holders + " holders");
                try {
                    if (leaseChanges.tryAcquire(CHECK_INTERVAL.toNanos(), TimeUnit.NANOSECONDS)) leaseChanges.drainPermits();
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        // One campaigner per contender, as each member campaigns on its own: a cut-off one must not hold up the rest.
        List<Thread> campaigners = contenders.stream().map(c -> Thread.ofPlatform().start(() -> {
            while (running.get()) {
                try {
                    c.lease().tryAcquire().ifPresent(l -> {
                        synchronized (epochs) {
                            if (epochs.isEmpty() || epochs.getLast() != l.epoch()) epochs.add(l.epoch());
                        }
                    });
                } catch (RuntimeException e) {
                    // a cut-off contender cannot campaign
                }
                sleep(20);
            }
        })).toList();
        try {
            for (int round = 0; round < 3; round++) {
                Contender holder = awaitHolder(contenders);
                int index = contenders.indexOf(holder);
                Instant cut = Instant.now();
                proxies.get(index).cut();
                awaitHolder(contenders.stream().filter(c -> c != holder).toList());
                Duration handover = Duration.between(cut, Instant.now());
                assertTrue(handover.compareTo(HANDOVER_BOUND) <= 0, "hand-over took " + handover.toMillis() + " ms");
                proxies.get(index).restore();
            }
        } finally {
            running.set(false);
            checker.join();
            for (Thread campaigner : campaigners) campaigner.join();
        }
        assertEquals(List.of(), violations, "two members held the lease at once");
        assertTrue(epochs.size() >= 4, "epochs seen: " + epochs);
        for (int i = 1; i < epochs.size(); i++) {
            assertTrue(epochs.get(i) > epochs.get(i - 1), "epochs must strictly increase: " + epochs);
        }
    }

    @Test
    void aCutOffHolderIsSuspendedBeforeAnyoneElseTakesOver() throws Exception {
        String cluster = "partition";
        var proxy = CuttableProxy.to(serverAddress(0));
        closeables.add(proxy);
        Contender holder = contender(cluster, "holder", proxy.connectString());
        Contender other = contender(cluster, "other", ensemble.connectString());
        List<Instant> suspendedAt = new CopyOnWriteArrayList<>();
        List<LeaseState> states = new CopyOnWriteArrayList<>();
        holder.lease().addListener(state -> {
            states.add(state);
            if (state == LeaseState.SUSPENDED) suspendedAt.add(Instant.now());
        });
        Leader first = holder.lease().tryAcquire().orElseThrow();
        assertTrue(other.lease().tryAcquire().isEmpty(), "the lease is taken");

        Instant cut = Instant.now();
        proxy.cut();
        Optional<Leader> taken = Optional.empty();
        while (taken.isEmpty()) {
            assertTrue(Duration.between(cut, Instant.now()).compareTo(HANDOVER_BOUND) <= 0, "no one took over within " + HANDOVER_BOUND);
            taken = other.lease().tryAcquire();
            if (taken.isEmpty()) sleep(20);
        }
        Instant takenAt = Instant.now();

        assertEquals(1, suspendedAt.size(), "the holder was told SUSPENDED once: " + states);
        assertTrue(suspendedAt.getFirst().isBefore(takenAt), "suspended at " + suspendedAt + ", taken over at " + takenAt);
        assertTrue(Duration.between(cut, suspendedAt.getFirst()).compareTo(SESSION) < 0,
                "suspended " + Duration.between(cut, suspendedAt.getFirst()).toMillis() + " ms after the cut");
        assertTrue(taken.get().epoch() > first.epoch());
        Await.until(Duration.ofSeconds(10), "the old holder learns it lost the lease",
                () -> holder.lease().state() == LeaseState.LOST);
        assertTrue(holder.lease().held().isEmpty());
    }

    @Test
    void closingTheHoldersSessionHandsTheLeaseOverAtOnce() {
        Contender holder = contender("close", "holder", ensemble.connectString());
        Contender other = contender("close", "other", ensemble.connectString());
        Leader first = holder.lease().tryAcquire().orElseThrow();
        holder.lease().release();
        Leader second = other.lease().tryAcquire().orElseThrow();
        assertEquals(first.epoch() + 1, second.epoch());
        assertEquals(LeaseState.NOT_HELD, holder.lease().state());
    }

    @Test
    void aLeaseLostWhileItsSessionLivesOnIsReleasedSoThatAnotherCanTakeIt() throws Exception {
        // A longer session than the others': the holder's connection must come back well within it. The cut silences
        // the connection, so the client gives it up only after its read timeout (two thirds of the session), then waits
        // up to a second before it reconnects: with 6 s that left under a second to spare, and a loaded CI machine once
        // let the session expire. 12 s leaves three.
        Duration session = Duration.ofSeconds(12);
        var proxy = CuttableProxy.to(serverAddress(0));
        closeables.add(proxy);
        var holderStore = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(proxy.connectString(), "stale")
                .withSessionTimeout(session).withStartupWait(Duration.ofSeconds(10)));
        closeables.add(holderStore);
        var holderClock = new ShiftedClock();
        var holder = new LeaderLease(holderStore, "holder", holderClock);
        closeables.add(holder);
        Contender other = contender("stale", "other", ensemble.connectString());
        Leader first = holder.tryAcquire().orElseThrow();

        // The holder's own deadlines run out (its clock jumps past a session while the store cannot be asked), but the
        // store never sees its session end: as when a quorum is lost for a moment and comes back.
        proxy.cut();
        holderClock.shift(session.multipliedBy(2));
        Await.until(Duration.ofSeconds(2), "the holder calls its lease lost", () -> holder.state() == LeaseState.LOST);
        proxy.restore();
        Await.untilAnswered(session, "the holder's store answers again", () -> holderStore.read() != null);
        Leader recorded = holderStore.read().leader().orElseThrow();
        assertEquals(List.of("holder", first.epoch()), List.of(recorded.machineId(), recorded.epoch()),
                "the record of the lost lease is still in the store");
        assertTrue(other.lease().tryAcquire().isEmpty(), "the record stands in everyone's way while the holder's session lives");

        holder.releaseStale(recorded);
        Leader next = other.lease().tryAcquire().orElseThrow();
        assertEquals(first.epoch() + 1, next.epoch());
    }

    /** The system clock, moved ahead on demand: deadlines pass without waiting for them. */
    private static final class ShiftedClock extends Clock {
        private volatile Duration shift = Duration.ZERO;

        void shift(Duration by) {
            shift = shift.plus(by);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(shift);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private static InetSocketAddress serverAddress(int index) {
        String hostPort = ensemble.connectString(index);
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static Contender awaitHolder(List<Contender> candidates) {
        AtomicReference<Contender> found = new AtomicReference<>();
        Await.until(HANDOVER_BOUND, "a contender holds the lease", () -> {
            for (Contender c : candidates) {
                if (c.lease().isHeld()) {
                    found.set(c);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
