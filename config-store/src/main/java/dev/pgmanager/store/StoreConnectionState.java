package dev.pgmanager.store;

/** The store connection as its user must see it. */
public enum StoreConnectionState {
    /** Connected with a live session. */
    CONNECTED,
    /** Connection trouble: the session may expire at any moment; do not act on anything it guarded. */
    SUSPENDED,
    /** Connected again with the same session: what it guarded may still be ours, so check. */
    RECONNECTED,
    /** The session is gone, and with it the lease and the member record. */
    LOST
}
