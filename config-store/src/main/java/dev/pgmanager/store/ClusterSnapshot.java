package dev.pgmanager.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The cluster's state at one moment, read in one call.
 *
 * @param cluster the cluster name
 * @param spec the desired configuration and its version ({@link ClusterSpec#defaults()} at
 *     {@link Versioned#ABSENT} before anyone wrote one)
 * @param identity who initialized the cluster's data, if anyone did
 * @param members live members by machine ID, sorted
 * @param leader the current lease holder, if any
 * @param lastEpoch the highest epoch ever handed out (0 before the first lease)
 * @param sync the synchronous-replication state, if written
 * @param history past events, oldest first
 * @param handover a pending switchover or failover request
 */
public record ClusterSnapshot(
        String cluster,
        Versioned<ClusterSpec> spec,
        Optional<ClusterIdentity> identity,
        SortedMap<String, Member> members,
        Optional<Leader> leader,
        long lastEpoch,
        Optional<SyncState> sync,
        List<HistoryEntry> history,
        Optional<HandoverRequest> handover) {

    public ClusterSnapshot {
        members = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(members));
        history = List.copyOf(history);
    }

    public Optional<Member> member(String machineId) {
        return Optional.ofNullable(members.get(machineId));
    }

    public boolean isLeader(String machineId) {
        return leader.map(l -> l.machineId().equals(machineId)).orElse(false);
    }

    public Map<String, Member> membersExcept(String machineId) {
        var others = new TreeMap<>(members);
        others.remove(machineId);
        return others;
    }
}
