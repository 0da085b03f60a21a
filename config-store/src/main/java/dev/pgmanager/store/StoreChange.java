package dev.pgmanager.store;

/** Which part of a cluster's state changed, so a watcher can react to what matters to it and ignore the rest. */
public enum StoreChange {
    SPEC,
    IDENTITY,
    MEMBERS,
    LEADER,
    SYNC,
    HISTORY,
    HANDOVER,
    /** Anything else, such as the epoch counter or the cluster's root itself. */
    OTHER
}
