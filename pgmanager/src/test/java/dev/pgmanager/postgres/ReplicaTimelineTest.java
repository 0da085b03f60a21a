package dev.pgmanager.postgres;

import static dev.pgmanager.postgres.TestNodes.await;
import static dev.pgmanager.postgres.TestNodes.execute;
import static dev.pgmanager.postgres.TestNodes.queryString;
import static dev.pgmanager.postgres.TestNodes.upstream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timeline a replica reports once its upstream is gone, which failover compares with the leader's: a replica that
 * followed a promotion over streaming is on the new timeline even before it has made a restartpoint there.
 */
class ReplicaTimelineTest {
    private static final String FIRST_ID = "a1b2c3d4e5f601";
    private static final String SECOND_ID = "e2865d13a56789";
    private static final String THIRD_ID = "3f0c9e1d2b4a57";

    @TempDir
    Path root;
    @RegisterExtension
    final TestNodes nodes = new TestNodes(() -> root);

    @Test
    void aReplicaThatFollowedAPromotionReportsTheNewTimelineAfterItsNewPrimaryDies() throws Exception {
        PostgresController third = followAPromotionAndLoseTheNewPrimary(true);
        assertEquals(2, third.status().timeline(), "without a receiver, still the timeline it replayed");
    }

    @Test
    void soDoesOneWhoseSidecarNeverSawItStreamOnTheNewTimeline() throws Exception {
        // the new primary died before a pass of this replica's sidecar looked: its control file still names timeline 1
        PostgresController third = followAPromotionAndLoseTheNewPrimary(false);
        assertEquals(2, third.status().timeline(), "the new timeline's history file in pg_wal calls for the restartpoint");
    }

    @Test
    void aReplicaThatReplayedPastWhereTheNewTimelineLeftItsOwnSaysSoAndOneThatFollowedItDoesNot() throws Exception {
        PostgresController[] servers = primaryAndTwoReplicasWithATable();
        PostgresController first = servers[0];
        PostgresController second = servers[1];
        PostgresController third = servers[2];
        // The second stops; the third replays a write the second never receives (an asynchronous replica ahead of the
        // member promoted in the old primary's place).
        second.stop(StopMode.FAST);
        execute(first, "INSERT INTO notes VALUES (1, 'only the third has it')");
        await("the third replays the write", () -> queryString(third, "SELECT note FROM notes WHERE id = 1") != null);
        first.stop(StopMode.FAST);
        second.start();
        second.promote();
        second.createReplicationSlot(THIRD_ID);
        third.follow(upstream(second));

        await("the third finds the second's timeline left its own before what it replayed",
                () -> third.status().pastSwitchpoint().isPresent());
        PastSwitchpoint past = third.status().pastSwitchpoint().orElseThrow();
        assertEquals(2, past.timeline());
        assertTrue(past.replayed().isAfter(past.switchpoint()), past.toString());
        assertEquals(1, third.status().timeline(), "still on its own timeline: PostgreSQL does not follow the new one");
        assertEquals(past.switchpoint().toString(), queryString(second,
                "SELECT split_part(pg_read_file('pg_wal/00000002.history'), E'\t', 2)"), "the switchpoint of the second's history");

        // Rewound onto the second's history, it follows the new timeline, and nothing is past any switchpoint.
        third.stop(StopMode.FAST);
        third.rewind(upstream(second));
        third.start();
        await("the rewound third streams on the new timeline", () -> third.status().timeline() == 2
                && third.status().walReceiver().map(w -> "streaming".equals(w.status())).orElse(false));
        assertEquals(Optional.empty(), third.status().pastSwitchpoint());
        assertEquals(null, queryString(third, "SELECT note FROM notes WHERE id = 1"), "the write only the third had is gone");
    }

    /**
     * Three servers; the first stops cleanly, the second is promoted, the third follows it past a checkpoint on the new
     * timeline, and then the second dies: returns the third, its WAL receiver gone.
     */
    private PostgresController followAPromotionAndLoseTheNewPrimary(boolean observeWhileStreaming) throws Exception {
        PostgresController[] servers = primaryAndTwoReplicasWithATable();
        PostgresController first = servers[0];
        PostgresController second = servers[1];
        PostgresController third = servers[2];

        first.stop(StopMode.FAST);
        second.promote();
        second.createReplicationSlot(THIRD_ID);
        third.follow(upstream(second));
        execute(second, "INSERT INTO notes VALUES (1, 'on the new timeline')");
        // A checkpoint on the new timeline, replayed by the third: a restartpoint there is possible, not yet made.
        execute(second, "CHECKPOINT");
        execute(second, "INSERT INTO notes VALUES (2, 'after the checkpoint')");
        await("the third replays past the new timeline's checkpoint", () -> "after the checkpoint".equals(
                queryString(third, "SELECT note FROM notes WHERE id = 2")));
        if (observeWhileStreaming) assertEquals(2, third.status().timeline(), "streaming, the receiver names the new timeline");

        second.stop(StopMode.IMMEDIATE);
        await("the third's receiver is gone", () -> queryString(third, "SELECT count(*) FROM pg_stat_wal_receiver").equals("0"));
        return third;
    }

    /** A primary and two replicas cloned from it, all three holding the table {@code notes}. */
    private PostgresController[] primaryAndTwoReplicasWithATable() throws Exception {
        PostgresController first = nodes.node(FIRST_ID);
        PostgresController second = nodes.node(SECOND_ID);
        PostgresController third = nodes.node(THIRD_ID);
        first.initdb();
        first.start();
        for (PostgresController replica : new PostgresController[] {second, third}) {
            replica.cloneFrom(upstream(first));
            replica.start();
        }
        execute(first, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
        await("the table on both replicas", () -> queryString(second, "SELECT to_regclass('notes')") != null
                && queryString(third, "SELECT to_regclass('notes')") != null);
        return new PostgresController[] {first, second, third};
    }
}
