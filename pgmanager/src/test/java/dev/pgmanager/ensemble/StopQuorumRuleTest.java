package dev.pgmanager.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.EnsembleStatus.PeerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The store-quorum rule of {@code /health/safe-to-stop} as a table: a peer may stop only when a majority of the peers
 * (2 of 3, 3 of 5) would still be in sync without it.
 */
class StopQuorumRuleTest {
    private static final String ME = "peer1.vm.app.internal";

    @Test
    void ofThreePeersOneMayStopOnlyWhileTheOtherTwoAreInSync() {
        assertEquals(Optional.empty(), EnsembleMembership.whyStopBreaksQuorum(report("leader", "follower", "follower"), ME));
        String why = EnsembleMembership.whyStopBreaksQuorum(report("leader", "follower", "unreachable"), ME).orElseThrow();
        assertTrue(why.contains("only 1 of 3 peers would be in sync, fewer than the 2 a quorum needs"), why);
    }

    @Test
    void ofFivePeersOneMayStopWhileThreeOthersAreInSync() {
        assertEquals(Optional.empty(), EnsembleMembership.whyStopBreaksQuorum(report("leader", "follower", "follower", "follower", "follower"), ME));
        assertEquals(Optional.empty(), EnsembleMembership.whyStopBreaksQuorum(report("follower", "leader", "follower", "follower", "unreachable"), ME));
        // This peer is down already: stopping its member takes nothing more from the three in sync.
        assertEquals(Optional.empty(), EnsembleMembership.whyStopBreaksQuorum(report("not serving", "leader", "follower", "follower", "unreachable"), ME));
    }

    @Test
    void ofFivePeersNoneOfTheLastThreeInSyncMayStop() {
        String why = EnsembleMembership.whyStopBreaksQuorum(report("leader", "follower", "follower", "unreachable", "unresolved"), ME).orElseThrow();
        assertTrue(why.contains("only 2 of 5 peers would be in sync, fewer than the 3 a quorum needs"), why);
        String lost = EnsembleMembership.whyStopBreaksQuorum(report("not serving", "not serving", "unreachable", "unreachable", "unresolved"), ME)
                .orElseThrow();
        assertTrue(lost.contains("only 0 of 5 peers"), lost);
    }

    private static EnsembleStatus.Report report(String... modes) {
        List<PeerStatus> peers = new ArrayList<>();
        for (int i = 0; i < modes.length; i++) {
            peers.add(new PeerStatus(i + 1, "peer" + (i + 1) + ".vm.app.internal", 2181, Optional.empty(), modes[i], Optional.empty()));
        }
        return new EnsembleStatus.Report(peers, modes.length / 2 + 1);
    }
}
