package dev.pgmanager.postgres;

import static dev.pgmanager.postgres.TestNodes.await;
import static dev.pgmanager.postgres.TestNodes.execute;
import static dev.pgmanager.postgres.TestNodes.queryString;
import static dev.pgmanager.postgres.TestNodes.upstream;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.NoTlsDefaultContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A whole failover with real servers: create, clone, stream, fail over, rewind the old primary, rejoin. */
class PostgresControllerTest {
    private static final String FIRST_ID = "a1b2c3d4e5f601";
    private static final String SECOND_ID = "e2865d13a56789";

    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);

    @Test
    void servesTlsWithACertificateOfItsOwnAndItsReplicaStreamsOverIt() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);
        startPrimaryAndStreamingReplica(first, second);

        assertEquals("on", queryString(first, "SHOW ssl"));
        // libpq prefers TLS: the WAL the replica receives is encrypted without anyone asking.
        assertEquals("t", queryString(first, "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_replication r USING (pid)"));
        // A client that requires or prefers TLS gets it, also in the sidecar, whose JVM's default TLS context refuses every
        // connection (NoTlsDefaultContext): the driver makes a context of its own
        SSLContext jdkDefault = SSLContext.getDefault();
        NoTlsDefaultContext.install();
        try {
            for (String mode : List.of("require", "prefer")) {
                Properties client = new Properties();
                client.setProperty("user", TestNodes.SUPERUSER.user());
                client.setProperty("password", TestNodes.SUPERUSER.password());
                client.setProperty("sslmode", mode);
                try (Connection c = DriverManager.getConnection(new HostPort("127.0.0.1", first.config().port()).jdbcUrl("postgres"), client);
                        Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                    assertTrue(r.next() && r.getBoolean(1), "the connection is encrypted (sslmode " + mode + ")");
                }
            }
        } finally {
            SSLContext.setDefault(jdkDefault);
        }
        // Each member has its own key, beside its data and never in it (where a clone would copy it), readable by its owner only.
        Path key = first.config().stateDirectory().resolve("server.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertFalse(Files.exists(second.config().dataDirectory().resolve("server.key")));
        assertFalse(Files.readString(key).equals(Files.readString(second.config().stateDirectory().resolve("server.key"))));
        byte[] certificate = Files.readAllBytes(first.config().stateDirectory().resolve("server.crt"));
        first.stop(StopMode.FAST);
        first.start();
        assertArrayEquals(certificate, Files.readAllBytes(first.config().stateDirectory().resolve("server.crt")),
                "a restart keeps the certificate");
    }

    @Test
    void aNewClusterHasFourMegabyteWalSegmentsAndItsReplicaThoseOfItsPrimary() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID, new WalSegmentSize(1L << 20));
        startPrimaryAndStreamingReplica(first, second);

        assertEquals("4MB", queryString(first, "SHOW wal_segment_size"));
        assertEquals("4MB", queryString(second, "SHOW wal_segment_size"), "a clone has its source's segments, not its own setting's");
        // initdb writes these as 5 and 64 segments; pgmanager keeps PostgreSQL's defaults
        assertEquals("80MB", queryString(first, "SHOW min_wal_size"));
        assertEquals("1GB", queryString(first, "SHOW max_wal_size"));
    }

    @Test
    void aClusterMadeWithOtherSegmentsHasThem() throws Exception {
        PostgresController node = nodes.node(FIRST_ID, new WalSegmentSize(1L << 20));
        node.initdb();
        node.start();
        assertEquals("1MB", queryString(node, "SHOW wal_segment_size"));
        assertEquals("1GB", queryString(node, "SHOW max_wal_size"), "not initdb's 64 segments");
    }

    @Test
    void walBuffersAreAThirtySecondOfTheSharedBuffersPastOneSegment() throws Exception {
        PostgresController node = nodes.node(FIRST_ID, new MemorySizing(256L << 20).settingsWith(Map.of("shared_buffers", "256MB")));
        node.initdb();
        node.start();
        assertEquals("8MB", queryString(node, "SHOW wal_buffers"), "PostgreSQL alone would stop at one 4 MB segment");
    }

    @Test
    void theServerRunsWithTheSizedMemoryAndTheOperatorsParametersButPgmanagersOwnWin() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(new MemorySizing(256L << 20).settings());
        settings.put("work_mem", "7MB");
        PostgresController node = nodes.node(FIRST_ID, settings);
        node.initdb();
        node.start();

        assertEquals("64MB", queryString(node, "SHOW shared_buffers"), "a quarter of a 256 MB machine");
        assertEquals("192MB", queryString(node, "SHOW effective_cache_size"));
        assertEquals("12MB", queryString(node, "SHOW maintenance_work_mem"));
        assertEquals("7MB", queryString(node, "SHOW work_mem"), "the operator's parameter");
        assertEquals("replica", queryString(node, "SHOW wal_level"), "pgmanager's own setting");
    }

    @Test
    void failsOverAndRewindsTheOldPrimaryBackIn() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);

        // a new primary, checksummed
        first.initdb();
        first.start();
        assertTrue(first.isRunning());
        assertEquals("on", queryString(first, "SHOW data_checksums"));
        PgStatus primary = first.status();
        assertEquals(PgRole.PRIMARY, primary.role());
        assertEquals(1, primary.timeline());

        // a replica cloned through a slot named after its machine ID, streaming under that name
        second.cloneFrom(upstream(first));
        assertEquals(Optional.empty(), second.followedAddress(), "an upstream named without hostaddr has no address to report");
        // named by host, reached at the address resolved for it: the address is read back from the upstream file
        second.follow(new Upstream("localhost", Optional.of("127.0.0.1"), first.config().port(), TestNodes.REPLICATION));
        assertEquals(Optional.of("127.0.0.1"), second.followedAddress());
        second.start();
        await("the replica to stream", () -> first.status().replica(SECOND_ID)
                .map(r -> r.state().equals("streaming")).orElse(false));
        assertTrue(first.replicationSlots().stream().anyMatch(s -> s.name().equals(SECOND_ID) && s.active()),
                first.replicationSlots().toString());
        PgStatus replica = second.status();
        assertEquals(PgRole.REPLICA, replica.role());
        assertEquals(1, replica.timeline());
        assertEquals(SECOND_ID, replica.walReceiver().orElseThrow().slotName().orElseThrow());
        assertEquals(first.systemIdentifier(), second.systemIdentifier());

        execute(first, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
        execute(first, "INSERT INTO notes VALUES (1, 'before failover')");
        await("row 1 on the replica", () -> "before failover".equals(queryString(second, "SELECT note FROM notes WHERE id = 1")));

        // the replica loses its upstream; the primary writes once more where nobody sees it, then stops:
        // its WAL has diverged from what the replica will continue from
        second.stop(StopMode.FAST);
        execute(first, "INSERT INTO notes VALUES (2, 'lost with the old timeline')");
        first.stop(StopMode.FAST);
        assertFalse(first.isRunning());
        second.start();

        second.promote();
        PgStatus promoted = second.status();
        assertEquals(PgRole.PRIMARY, promoted.role());
        assertEquals(2, promoted.timeline());
        execute(second, "INSERT INTO notes VALUES (3, 'after failover')");
        // the new primary keeps a slot for the old one, as the leader will for every member
        second.createReplicationSlot(FIRST_ID);

        // following without a rewind cannot work for a diverged primary; pg_rewind makes it possible
        first.rewind(upstream(second));
        first.start();
        execute(second, "INSERT INTO notes VALUES (4, 'after rejoin')");
        await("row 4 on the rewound old primary", () -> "after rejoin".equals(queryString(first, "SELECT note FROM notes WHERE id = 4")));
        assertEquals("after failover", queryString(first, "SELECT note FROM notes WHERE id = 3"));
        assertNull(queryString(first, "SELECT note FROM notes WHERE id = 2"), "the diverged write was rewound away");

        PgStatus rejoined = first.status();
        assertEquals(PgRole.REPLICA, rejoined.role());
        assertEquals(promoted.timeline(), rejoined.timeline());
        await("the old primary to stream from the new one", () -> second.status().replica(FIRST_ID)
                .map(r -> r.state().equals("streaming")).orElse(false));
        assertTrue(second.replicationSlots().stream().anyMatch(s -> s.name().equals(FIRST_ID) && s.active()));
        assertThrows(PostgresException.class, () -> second.dropReplicationSlot(FIRST_ID), "an active slot cannot be dropped");
    }

    @Test
    void rewindCheckpointsASourceWhoseControlFileStillNamesTheOldTimeline() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);
        startPrimaryAndStreamingReplica(first, second);
        // Pages the replica's recovery dirtied: PostgreSQL's own checkpoint at the end of recovery is spread over
        // minutes, a page every 100 ms while it is ahead of its schedule, so the control file keeps the old timeline
        execute(first, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
        execute(first, "INSERT INTO notes SELECT g, 'before failover' FROM generate_series(1, 50000) g");
        String end = queryString(first, "SELECT pg_current_wal_lsn()");
        await("the replica to replay it all", () -> Boolean.TRUE.toString().equals(queryString(second,
                "SELECT (pg_last_wal_replay_lsn() >= '" + end + "')::text")));

        // promoted by hand, without the checkpoint pgmanager's promotion begins, while the old primary writes on
        queryString(second, "SELECT pg_promote(true)");
        assertEquals("1", queryString(second, "SELECT timeline_id FROM pg_control_checkpoint()"),
                "the case under test: the new primary's control file still names timeline 1");
        execute(first, "INSERT INTO notes VALUES (50001, 'lost with the old timeline')");
        first.stop(StopMode.FAST);
        second.createReplicationSlot(FIRST_ID);
        execute(second, "INSERT INTO notes VALUES (50002, 'after failover')");

        // pg_rewind alone would find "the same timeline" and rewind nothing: the diverged row would stay, and the old
        // primary could not follow
        first.rewind(upstream(second));
        assertEquals("2", queryString(second, "SELECT timeline_id FROM pg_control_checkpoint()"));
        first.start();
        await("the new primary's row on the rewound old primary",
                () -> "after failover".equals(queryString(first, "SELECT note FROM notes WHERE id = 50002")));
        assertNull(queryString(first, "SELECT note FROM notes WHERE id = 50001"), "the diverged write was rewound away");
        await("the old primary to stream from the new one", () -> second.status().replica(FIRST_ID)
                .map(r -> r.state().equals("streaming")).orElse(false));
    }

    @Test
    void rewindFinishesCrashRecoveryOfAPrimaryThatDiedFirst() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);
        startPrimaryAndReplica(first, second);
        execute(first, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
        await("the table on the replica", () -> queryString(second, "SELECT to_regclass('notes')") != null);

        first.stop(StopMode.IMMEDIATE);
        second.promote();
        second.createReplicationSlot(FIRST_ID);
        execute(second, "INSERT INTO notes VALUES (1, 'after the crash')");

        first.rewind(upstream(second));
        first.start();

        await("row 1 on the recovered old primary", () -> "after the crash".equals(queryString(first, "SELECT note FROM notes WHERE id = 1")));
        assertEquals(PgRole.REPLICA, first.status().role());
        assertEquals(2, first.status().timeline());
    }

    @Test
    void aSwitchoverStopReturnsOnceTheReplicaHasTheLastWalSoItTakesOverWithoutARewind() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);
        startPrimaryAndStreamingReplica(first, second);
        execute(first, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
        execute(first, "INSERT INTO notes VALUES (1, 'the last write before the switchover')");
        String beforeStop = queryString(first, "SELECT pg_current_wal_lsn()");

        first.stopWritingWal();

        // the shutdown checkpoint, written after every write, is already on the replica: nothing is left to send
        assertEquals("shut down", first.controlFile().clusterState());
        assertEquals("t", queryString(second, "SELECT pg_last_wal_receive_lsn() > '" + beforeStop + "'::pg_lsn"),
                "the replica received the shutdown checkpoint");
        // what a hand-over's target checks before it takes over: WAL past where the old primary's last record starts
        Lsn last = first.controlFile().checkpointLocation();
        assertEquals("t", queryString(second, "SELECT pg_last_wal_receive_lsn() > '" + last + "'::pg_lsn"), "past " + last);
        second.promote();
        first.stop(StopMode.FAST);
        assertFalse(first.isRunning());
        assertEquals("the last write before the switchover", queryString(second, "SELECT note FROM notes WHERE id = 1"));

        // its history is a prefix of the new primary's: it follows without a rewind
        second.createReplicationSlot(FIRST_ID);
        first.follow(upstream(second));
        first.start();
        execute(second, "INSERT INTO notes VALUES (2, 'after the switchover')");
        await("row 2 on the old primary", () -> "after the switchover".equals(queryString(first, "SELECT note FROM notes WHERE id = 2")));
        assertEquals(PgRole.REPLICA, first.status().role());
    }

    @Test
    void aFrozenPrimaryStillShipsTheWalOfItsAcknowledgedCommitsToItsReplica() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);
        startPrimaryAndStreamingReplica(first, second);
        execute(first, "CREATE TABLE acknowledged (id int)");
        long sender = Postmaster.walSenders(first.pid().orElseThrow()).getFirst();
        // The sender held back: the commit below is acknowledged (flushed here) but not sent, as in the moment of a freeze.
        ProcessSignal.send(sender, ProcessSignal.SIGSTOP);
        try {
            execute(first, "INSERT INTO acknowledged VALUES (1)");
        } finally {
            ProcessSignal.send(sender, ProcessSignal.SIGCONT);
        }
        FrozenServer frozen = first.freeze().orElseThrow();
        try {
            assertNotEquals('T', Postmaster.state(sender), "the WAL sender runs on");
            // stopped, or exited just before (a backend of a connection the test closed, a zombie until the postmaster runs)
            for (ProcessHandle process : frozen.processes()) {
                char state = Postmaster.state(process.pid());
                assertTrue(state == 'T' || state == 'Z', "stopped: " + process.pid() + " is " + state);
            }
            await("the acknowledged commit on the replica while the primary is frozen",
                    () -> "1".equals(queryString(second, "SELECT count(*) FROM acknowledged")));
        } finally {
            first.kill(frozen);
        }
    }

    /** A new primary, and a replica cloned from it and started. */
    private static void startPrimaryAndReplica(PostgresController primary, PostgresController replica) {
        primary.initdb();
        primary.start();
        replica.cloneFrom(upstream(primary));
        replica.start();
    }

    /** As {@link #startPrimaryAndReplica}, and returns once the replica streams. */
    private static void startPrimaryAndStreamingReplica(PostgresController primary, PostgresController replica) throws Exception {
        startPrimaryAndReplica(primary, replica);
        String name = replica.config().machineId().value();
        await("the replica to stream", () -> primary.status().replica(name).map(r -> r.state().equals("streaming")).orElse(false));
    }
}
