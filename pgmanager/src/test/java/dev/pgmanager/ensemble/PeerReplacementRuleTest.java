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

    private static EnsembleStatus.Report report(String... modes) {
        List<PeerStatus> peers = new java.util.ArrayList<>();
        for (int i = 0; i < modes.length; i++) {
            peers.add(new PeerStatus(i + 1, "peer" + (i + 1) + ".vm.app.internal", 2181, Optional.empty(), modes[i], Optional.empty()));
        }
        return new EnsembleStatus.Report(peers, modes.length / 2 + 1);
    }
}
