package dev.pgmanager.doctor;

import dev.pgmanager.net.AddressText;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ZooKeeper ensemble (store mode ensemble, or an external ensemble): a quorum serves with a leader, and every peer
 * is in sync, at the address its name resolves to now. Nothing to report for a single server.
 */
final class EnsembleCheck implements Check {
    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        Optional<EnsembleStatus.Report> ensemble = facts.store().ensemble();
        if (ensemble.isEmpty()) return List.of();
        EnsembleStatus.Report report = ensemble.get();
        List<Finding> findings = new ArrayList<>();
        String leader = report.leader().map(p -> describe(facts, p)).orElse("none");
        String summary = report.inSync() + " of " + report.peers().size() + " peers in sync (" + report.quorum()
                + " needed), leader " + leader;
        if (report.quorate()) {
            findings.add(Finding.ok(name(), facts.cluster(), "the ensemble has a quorum: " + summary));
        } else {
            findings.add(Finding.critical(name(), facts.cluster(), "the ensemble has no quorum: " + summary
                    + "; no member can take or keep the lease", facts.fixes().pgmanager("store status")));
        }
        for (EnsembleStatus.PeerStatus peer : report.peers()) {
            Optional<String> machineId = facts.machineIdOfName().apply(peer.host());
            String subject = machineId.orElse(peer.host());
            String where = peer.address().map(a -> " at " + AddressText.of(a)).orElse("");
            if (peer.inSync()) {
                findings.add(Finding.ok(name(), subject, "peer " + peer.id() + " (" + peer.host() + ")" + where + " serves as "
                        + peer.mode()));
            } else {
                String fix = machineId.map(id -> facts.fixes().startMember(id) + "; if its machine is gone for good: "
                        + facts.fixes().pgmanager("store replace-peer " + id + " <new machine ID>"))
                        .orElse("start the ZooKeeper server " + peer.host());
                findings.add(Finding.warning(name(), subject, "peer " + peer.id() + " (" + peer.host() + ")" + where + " is "
                        + peer.mode() + ": the ensemble tolerates one fewer lost peer until it is back", fix));
            }
        }
        return findings;
    }

    private static String describe(ClusterFacts facts, EnsembleStatus.PeerStatus peer) {
        return facts.machineIdOfName().apply(peer.host()).orElse(peer.host()) + " (peer " + peer.id() + ")";
    }
}
