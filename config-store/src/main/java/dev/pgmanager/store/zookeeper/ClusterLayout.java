package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.MachineIds;
import dev.pgmanager.store.StoreChange;

/** Where each of one cluster's records lives in ZooKeeper (the layout is described in {@link ZooKeeperClusterStore}). */
record ClusterLayout(String root) {
    static final String HISTORY_PREFIX = "h-";

    static ClusterLayout forCluster(String clusterName) {
        return new ClusterLayout("/pgmanager/" + clusterName);
    }

    String spec() {
        return root + "/spec";
    }

    String identity() {
        return root + "/identity";
    }

    String members() {
        return root + "/members";
    }

    String member(String machineId) {
        return members() + "/" + MachineIds.requireValid(machineId);
    }

    String leader() {
        return root + "/leader";
    }

    String epoch() {
        return root + "/epoch";
    }

    String sync() {
        return root + "/sync";
    }

    String history() {
        return root + "/history";
    }

    /** The prefix ZooKeeper appends a ten-digit sequence number to, so names sort in creation order. */
    String historyEntryPrefix() {
        return history() + "/" + HISTORY_PREFIX;
    }

    /** Kept apart from everything the control loop reads: see {@link dev.pgmanager.store.ClusterStore#recordAddress}. */
    String addresses() {
        return root + "/addresses";
    }

    String addressHistory(String machineId) {
        return addresses() + "/" + MachineIds.requireValid(machineId);
    }

    /** The peer list a member being added to the ensemble starts its server with; see ZooKeeperClusterStore. */
    String ensembleJoining() {
        return root + "/ensemble-joining";
    }

    String handover() {
        return root + "/handover";
    }

    /** Copies of the records {@code pgmanager store repair} removed or rewrote, as they were. */
    String repaired() {
        return root + "/repaired";
    }

    /** Which part of the state a znode under the root holds. */
    StoreChange changeAt(String path) {
        if (path.equals(spec())) return StoreChange.SPEC;
        if (path.equals(identity())) return StoreChange.IDENTITY;
        if (path.equals(leader())) return StoreChange.LEADER;
        if (path.equals(sync())) return StoreChange.SYNC;
        if (path.equals(handover())) return StoreChange.HANDOVER;
        if (path.startsWith(members())) return StoreChange.MEMBERS;
        if (path.startsWith(history())) return StoreChange.HISTORY;
        return StoreChange.OTHER;
    }
}
