package dev.pgmanager.sidecar.loop;

import static dev.pgmanager.postgres.TestNodes.execute;
import static dev.pgmanager.postgres.TestNodes.queryString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.election.LeaderLease;
import dev.pgmanager.election.LeaseState;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.postgres.Postmaster;
import dev.pgmanager.postgres.TestNodes;
import dev.pgmanager.sidecar.reflexes.Fencer;
import dev.pgmanager.sidecar.reflexes.Watchdog;
import dev.pgmanager.sidecar.volume.FailedRewindRecord;
import dev.pgmanager.store.partition.CuttableProxy;
import dev.pgmanager.store.testing.Await;
import dev.pgmanager.store.testing.EmbeddedEnsemble;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease reflex's freeze on a real server: a frozen primary commits nothing, goes on with its connections when the
 * lease is confirmed again, and is killed, every process of it, when the lease is lost.
 */
class LeaseFreezeTest {
    @TempDir
    Path root;

    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);

    /** Whether the lease allows writing, as the watchdog sees it: held for a while yet, so that an armed guard never fires here. */
    private volatile boolean leaseHeld = true;
    private final Watchdog watchdog = new Watchdog(Duration.ofSeconds(1), Clock.systemUTC(),
            () -> leaseHeld ? Optional.of(Instant.now().plusSeconds(60)) : Optional.empty());

    @AfterEach
    void closeWatchdog() {
        watchdog.close();
    }

    @Test
    void aFrozenPrimaryCommitsNothingAndGoesOnWithItsConnectionsWhenTheLeaseIsConfirmedAgain() throws Exception {
        PostgresController controller = primary("m1");
        LocalServer server = new LocalServer(controller, watchdog, new FailedRewindRecord(root.resolve("m1-state")));
        assertTrue(server.observe().isPrimary());
        long postmaster = controller.pid().orElseThrow();
        try (Connection client = controller.connect(); Statement statement = client.createStatement()) {
            statement.execute("INSERT INTO notes VALUES (1)");

            assertTrue(server.freezeForLease(OptionalLong.of(7)));
            assertTrue(server.isFrozen());
            assertFalse(server.freezeForLease(OptionalLong.of(7)), "frozen once");
            List<Long> processes = processesOf(postmaster);
            assertTrue(processes.size() >= 5, "the postmaster and its children: " + processes);
            for (long pid : processes) assertEquals('T', Postmaster.state(pid), "process " + pid + " is stopped");

            CompletableFuture<Void> insert = CompletableFuture.runAsync(() -> run(statement, "INSERT INTO notes VALUES (2)"));
            assertThrows(TimeoutException.class, () -> insert.get(500, TimeUnit.MILLISECONDS), "a frozen primary commits nothing");
            LocalPostgres seen = server.observe();
            assertTrue(seen.frozen() && seen.isPrimary(), "the loop sees it frozen, without asking it: " + seen);

            assertThrows(RuntimeException.class, server::restart, "no restart of a frozen server: its lease is in doubt");
            leaseHeld = false;
            assertFalse(server.thaw(() -> true), "not thawed while the lease allows the watchdog no deadline");
            leaseHeld = true;
            assertFalse(server.thaw(() -> false), "nor when the lease lapsed while the guard started");
            assertThrows(TimeoutException.class, () -> insert.get(200, TimeUnit.MILLISECONDS), "still frozen");
            assertTrue(server.thaw(() -> true));
            insert.get(30, TimeUnit.SECONDS);
            assertFalse(server.isFrozen());
            try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM notes")) {
                rows.next();
                assertEquals(2, rows.getInt(1), "the same connection goes on: both rows");
            }
        }
        assertEquals(postmaster, controller.pid().orElseThrow(), "no restart");
        LocalPostgres after = server.observe();
        assertTrue(after.isPrimary() && !after.frozen(), after.toString());
    }

    @Test
    void aFrozenPrimaryWhoseLeaseIsLostIsKilledWithEveryProcessAndKeepsWhatItCommitted() throws Exception {
        PostgresController controller = primary("m1");
        LocalServer server = new LocalServer(controller, watchdog, new FailedRewindRecord(root.resolve("m1-state")));
        server.observe();
        long postmaster = controller.pid().orElseThrow();
        List<Long> processes;
        CompletableFuture<Void> insert;
        try (Connection client = controller.connect(); Statement statement = client.createStatement()) {
            statement.execute("INSERT INTO notes VALUES (1)");
            server.freezeForLease(OptionalLong.of(7));
            processes = processesOf(postmaster);
            insert = CompletableFuture.runAsync(() -> run(statement, "INSERT INTO notes VALUES (2)"));
            assertThrows(TimeoutException.class, () -> insert.get(300, TimeUnit.MILLISECONDS));

            server.fenceForLease(OptionalLong.empty());
            for (long pid : processes) assertFalse(alive(pid), "process " + pid + " of the frozen server is gone");
            ExecutionException failed = assertThrows(ExecutionException.class, () -> insert.get(30, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof IllegalStateException, "the client was cut off: " + failed.getCause());
        }
        assertFalse(server.isFrozen());
        LocalPostgres seen = server.observe();
        assertFalse(seen.running(), seen.toString());
        assertEquals(OptionalLong.of(7), seen.fencedInEpoch(), "fenced in the epoch it was frozen in");

        controller.start();
        assertEquals("1", queryString(controller, "SELECT string_agg(n::text, ',') FROM notes"),
                "the committed row kept, the frozen insert never committed");
    }

    @Test
    void aServerFrozenByAnEarlierRunOfTheSidecarIsKilledAtTheFirstLook() throws Exception {
        PostgresController controller = primary("m1");
        execute(controller, "INSERT INTO notes VALUES (1)");
        long postmaster = controller.pid().orElseThrow();
        List<Long> processes = processesOf(postmaster);
        controller.freeze(); // as a sidecar that died with its lease in doubt left it
        assertTrue(controller.isFrozen());

        LocalServer restarted = new LocalServer(controller, watchdog, new FailedRewindRecord(root.resolve("m1-state")));
        LocalPostgres seen = restarted.observe();
        assertFalse(seen.running(), "it cannot know whether that lease still holds: " + seen);
        for (long pid : processes) assertFalse(alive(pid), "process " + pid + " is gone");

        controller.start();
        assertEquals("1", queryString(controller, "SELECT count(*) FROM notes"), "its data is intact");
    }

    @Test
    void aFrozenServerWhosePostmasterIsKilledFromOutsideLeavesNoStoppedProcessBehind() throws Exception {
        PostgresController controller = primary("m1");
        execute(controller, "INSERT INTO notes VALUES (1)");
        LocalServer server = new LocalServer(controller, watchdog, new FailedRewindRecord(root.resolve("m1-state")));
        server.observe();
        long postmaster = controller.pid().orElseThrow();
        List<ProcessHandle> processes = processesOf(postmaster).stream().flatMap(pid -> ProcessHandle.of(pid).stream()).toList();
        try {
            assertTrue(server.freezeForLease(OptionalLong.of(7)));
            ProcessHandle.of(postmaster).orElseThrow().destroyForcibly(); // the OOM killer, a kill -9 by hand
            Await.until(Duration.ofSeconds(10), "the postmaster gone", () -> !alive(postmaster));

            LocalPostgres seen = server.observe();
            assertFalse(seen.running(), seen.toString());
            assertFalse(server.isFrozen());
            for (ProcessHandle process : processes) assertFalse(alive(process.pid()), "process " + process.pid() + " of the frozen server is gone");
            controller.start(); // which a stopped backend holding the shared memory would refuse
            assertEquals("1", queryString(controller, "SELECT count(*) FROM notes"));
        } finally {
            // failed half way, the stopped children would outlive the test: nothing else knows them once the postmaster is gone
            processes.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * The reflex on a real lease: the store cut off, the lease comes into doubt and the reflex freezes the primary; a
     * "confirmed" event handled late (events queue) thaws nothing while the lease is not held; lost, the server is killed.
     */
    @Test
    void theReflexFreezesOnDoubtNeverThawsOnALateEventAndKillsOnLoss() throws Exception {
        PostgresController controller = primary("m1");
        execute(controller, "INSERT INTO notes VALUES (1)");
        try (EmbeddedEnsemble ensemble = EmbeddedEnsemble.startWith(1);
                CuttableProxy proxy = CuttableProxy.to(address(ensemble.connectString(0)));
                ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(proxy.connectString(), "reflex")
                        .withSessionTimeout(Duration.ofSeconds(2)).withStartupWait(Duration.ofSeconds(10)));
                LeaderLease lease = new LeaderLease(store, "m1", Clock.systemUTC());
                Watchdog guard = new Watchdog(Duration.ofMillis(600), Clock.systemUTC(), lease::heldUntil)) {
            long epoch = lease.tryAcquire().orElseThrow().epoch();
            LocalServer server = new LocalServer(controller, guard, new FailedRewindRecord(root.resolve("m1-state")));
            assertTrue(server.observe().isPrimary());
            long postmaster = controller.pid().orElseThrow();
            List<Long> processes = processesOf(postmaster);
            Fencer fencer = new Fencer(lease, server, () -> false, () -> {}, () -> OptionalLong.of(epoch));
            lease.addListener(fencer::onLeaseChange);

            proxy.cut();
            Await.until(Duration.ofSeconds(5), "the primary frozen", server::isFrozen);
            assertEquals('T', Postmaster.state(postmaster));
            fencer.onLeaseChange(LeaseState.HELD); // a confirmation handled after the lease came into doubt again
            assertTrue(server.isFrozen(), "not thawed: the lease is " + lease.state());
            assertEquals('T', Postmaster.state(postmaster));

            Await.until(Duration.ofSeconds(10), "the lease lost and the frozen server killed, every process of it",
                    () -> processes.stream().noneMatch(LeaseFreezeTest::alive));
            fencer.onLeaseChange(LeaseState.HELD);
            assertEquals(OptionalLong.empty(), controller.pid(), "nothing started or thawed");
            assertEquals(OptionalLong.of(epoch), server.observe().fencedInEpoch(), "fenced in the epoch it led in");
        }
        controller.start();
        assertEquals("1", queryString(controller, "SELECT count(*) FROM notes"));
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private PostgresController primary(String id) throws SQLException {
        PostgresController controller = nodes.node(id);
        controller.initdb();
        controller.start();
        execute(controller, "CREATE TABLE notes (n int PRIMARY KEY)");
        return controller;
    }

    private static void run(Statement statement, String sql) {
        try {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static List<Long> processesOf(long postmaster) {
        ProcessHandle handle = ProcessHandle.of(postmaster).orElseThrow();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(handle), handle.descendants())
                .map(ProcessHandle::pid).toList();
    }

    private static boolean alive(long pid) {
        char state = Postmaster.state(pid);
        return state != 0 && state != 'Z';
    }
}
