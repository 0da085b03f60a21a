package dev.pgmanager.election;

/** Where a member stands with the leader lease. */
public enum LeaseState {
    /** Someone else holds it, or no one does. */
    NOT_HELD,
    /** Held and recently confirmed: this member may act as leader. */
    HELD,
    /**
     * Connection trouble while holding it: the server may expire the lease soon, so the holder must stop acting
     * as leader now. It becomes HELD again if the store confirms the lease is still ours.
     */
    SUSPENDED,
    /** It was ours and is gone (expired, taken over, or unconfirmable for a whole session timeout). */
    LOST
}
