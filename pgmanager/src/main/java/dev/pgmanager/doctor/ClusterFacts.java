package dev.pgmanager.doctor;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Everything the doctor could learn about a cluster, gathered once (in parallel) before any check runs.
 *
 * @param cluster the cluster's name
 * @param store what the store said, or why it did not
 * @param members every member known to the store or to the local cluster's file, by machine ID
 * @param fixes spells the commands findings suggest
 * @param hostnameOf a member's DNS name
 * @param machineIdOfName the machine ID in a member's DNS name, if it is one
 */
public record ClusterFacts(String cluster, StoreFacts store, SortedMap<String, MemberFacts> members, Fixes fixes,
        UnaryOperator<String> hostnameOf, Function<String, Optional<String>> machineIdOfName) {
    public ClusterFacts {
        members = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(members));
    }

    public Optional<ClusterSnapshot> snapshot() {
        return store.snapshot();
    }

    public Optional<Leader> leaderLease() {
        return snapshot().flatMap(ClusterSnapshot::leader);
    }

    /** The lease holder's facts, when someone holds the lease. */
    public Optional<MemberFacts> leader() {
        return leaderLease().map(l -> members.get(l.machineId()));
    }

    public Map<String, MemberFacts> membersExcept(String machineId) {
        Map<String, MemberFacts> others = new TreeMap<>(members);
        others.remove(machineId);
        return others;
    }
}
