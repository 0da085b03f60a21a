package dev.pgmanager.store;

/** What a member's database is doing. */
public enum MemberRole {
    PRIMARY,
    REPLICA,
    /** Starting, cloning, rewinding: not yet serving. */
    INITIALIZING,
    STOPPED,
    UNKNOWN
}
