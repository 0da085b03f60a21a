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
 * @param unreadable records the store holds but could not read, left out of the parts above: a member's record, a
 *     history entry, the handover request, the leader or synchronous record, or the spec (then the last one read, or
 *     the defaults)
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
        Optional<HandoverRequest> handover,
        List<UnreadableRecord> unreadable) {

    public ClusterSnapshot {
        members = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(members));
        history = List.copyOf(history);
        unreadable = List.copyOf(unreadable);
    }

    /** A snapshot in which every record could be read. */
    public ClusterSnapshot(String cluster, Versioned<ClusterSpec> spec, Optional<ClusterIdentity> identity,
            SortedMap<String, Member> members, Optional<Leader> leader, long lastEpoch, Optional<SyncState> sync,
            List<HistoryEntry> history, Optional<HandoverRequest> handover) {
        this(cluster, spec, identity, members, leader, lastEpoch, sync, history, handover, List.of());
    }

    /** The unreadable record of {@code part} (the first, for members and history), if one was left out. */
    public Optional<UnreadableRecord> unreadable(UnreadableRecord.Part part) {
        return unreadable.stream().filter(r -> r.part() == part).findFirst();
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
