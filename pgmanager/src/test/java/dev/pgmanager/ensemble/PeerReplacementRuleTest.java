package dev.pgmanager.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.EnsembleStatus.PeerStatus;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The quorum rule of {@code store replace-peer}, as a table. */
class PeerReplacementRuleTest {
    @Test
    void replacingADeadPeerOfAQuorateEnsembleIsAllowed() {
        assertEquals(Optional.empty(), PeerReplacement.whyRefused(report("unresolved", "leader", "follower"), 1));
    }

    @Test
    void replacingAPeerOfAHealthyEnsembleIsAllowed() {
        assertEquals(Optional.empty(), PeerReplacement.whyRefused(report("follower", "leader", "follower"), 1));
        assertEquals(Optional.empty(), PeerReplacement.whyRefused(report("follower", "leader", "follower", "follower", "unreachable"), 2));
    }

    @Test
    void anEnsembleWithoutQuorumIsRefused() {
        String why = PeerReplacement.whyRefused(report("unresolved", "unreachable", "not serving"), 1).orElseThrow();
        assertTrue(why.contains("no quorum now (0 of 3 peers in sync, 2 needed)"), why);
    }

    @Test
    void replacingAHealthyPeerTheQuorumDependsOnIsRefused() {
        String why = PeerReplacement.whyRefused(report("unresolved", "leader", "follower"), 2).orElseThrow();
        assertTrue(why.contains("would break the quorum"), why);
        assertTrue(why.contains("peer1.vm.app.internal"), "names the peer to replace instead: " + why);
        assertTrue(PeerReplacement.whyRefused(report("leader", "follower", "follower", "unreachable", "unreachable"), 3).isPresent());
    }

    @Test
    void ofFivePeersAReplacementIsRefusedOnlyWhenItWouldLeaveFewerThanThreeInSync() {
        // The quorum of five is three: with a dead peer, a healthy one may still go (three remain in sync).
        assertEquals(Optional.empty(), PeerReplacement.whyRefused(report("leader", "follower", "follower", "follower", "follower"), 1));
        assertEquals(Optional.empty(), PeerReplacement.whyRefused(report("leader", "follower", "follower", "follower", "unreachable"), 2));
        // Two dead: a dead one may be replaced, a healthy one may not.
        assertEquals(Optional.empty(), PeerReplacement.whyRefused(report("leader", "follower", "follower", "unreachable", "unresolved"), 4));
        String healthy = PeerReplacement.whyRefused(report("leader", "follower", "follower", "unreachable", "unresolved"), 2).orElseThrow();
        assertTrue(healthy.contains("without it only 2 of 5 peers are (3 needed)"), healthy);
        assertTrue(healthy.contains("peer4.vm.app.internal") && healthy.contains("peer5.vm.app.internal"), healthy);
        // Three dead: no quorum to commit any reconfiguration.
        String none = PeerReplacement.whyRefused(report("not serving", "not serving", "unreachable", "unreachable", "unresolved"), 3)
                .orElseThrow();
        assertTrue(none.contains("no quorum now (0 of 5 peers in sync, 3 needed)"), none);
    }

    private static EnsembleStatus.Report report(String... modes) {
        List<PeerStatus> peers = new java.util.ArrayList<>();
        for (int i = 0; i < modes.length; i++) {
            peers.add(new PeerStatus(i + 1, "peer" + (i + 1) + ".vm.app.internal", 2181, Optional.empty(), modes[i], Optional.empty()));
        }
        return new EnsembleStatus.Report(peers, modes.length / 2 + 1);
    }
}
