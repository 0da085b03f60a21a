package dev.pgmanager.store;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** What a member's database is doing. Stored by constant name: a name never changes once released. */
public enum MemberRole {
    PRIMARY,
    REPLICA,
    /** Starting, cloning, rewinding: not yet serving. */
    INITIALIZING,
    STOPPED,
    /**
     * The data directory is not a cluster of ours, or the record names a role a newer release added (read during a
     * rolling upgrade rather than rejected): neither primary nor replica, so such a member is never followed, cloned
     * from, ranked for promotion or chosen as a synchronous standby.
     */
    @JsonEnumDefaultValue
    UNKNOWN
}
