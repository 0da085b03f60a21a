package dev.pgmanager.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The store answers, holds this cluster, and each of its servers accepts connections. */
final class StoreCheck implements Check {
    @Override
    public String name() {
        return "store";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        StoreFacts store = facts.store();
        List<Finding> findings = new ArrayList<>();
        // A store that answers with a record that cannot be read is the records check's finding, not an unreachable store.
        if (store.snapshot().isEmpty() && store.unreadableRecord().isEmpty()) {
            findings.add(Finding.critical(name(), facts.cluster(), "cannot read the store at " + store.connect() + ": "
                    + store.error().orElse("no answer") + "; without it no member can take or keep the lease (a primary "
                    + "fences itself and stops) and no failover can happen", facts.fixes().startStore()));
            return findings;
        }
        var snapshot = store.snapshot();
        if (snapshot.isPresent() && snapshot.get().identity().isEmpty() && snapshot.get().members().isEmpty()) {
            findings.add(Finding.critical(name(), facts.cluster(), "the store at " + store.connect() + " holds no cluster named "
                    + facts.cluster() + " (no identity, no members)", "check the cluster name: pgmanager list --store "
                    + store.connect() + " --cluster <name>"));
        }
        List<String> refusing = store.servers().entrySet().stream().filter(e -> e.getValue().isPresent())
                .map(e -> e.getKey() + " (" + e.getValue().get() + ")").sorted().toList();
        int total = store.servers().size();
        if (refusing.isEmpty()) {
            findings.add(Finding.ok(name(), facts.cluster(), "the store at " + store.connect() + " answers and has a quorum ("
                    + total + " of " + total + " servers accept connections)"));
        } else {
            findings.add(Finding.warning(name(), facts.cluster(), "the store answers (it has a quorum), but " + refusing.size()
                    + " of " + total + " servers refuse connections: " + String.join(", ", refusing)
                    + "; losing one more may stop every failover", "start the ZooKeeper server(s) "
                    + String.join(", ", store.servers().entrySet().stream().filter(e -> e.getValue().isPresent())
                            .map(Map.Entry::getKey).sorted().toList()) + " (zkServer.sh start)"));
        }
        return findings;
    }
}
