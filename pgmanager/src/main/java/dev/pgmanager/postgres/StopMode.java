package dev.pgmanager.postgres;

/** pg_ctl's shutdown modes. */
public enum StopMode {
    /** Wait for every client to disconnect. */
    SMART("smart"),
    /** Disconnect clients, checkpoint, shut down cleanly: the normal way to stop. */
    FAST("fast"),
    /** Kill everything without a checkpoint; the next start runs crash recovery. */
    IMMEDIATE("immediate");

    private final String pgCtlName;

    StopMode(String pgCtlName) {
        this.pgCtlName = pgCtlName;
    }

    String pgCtlName() {
        return pgCtlName;
    }
}
