package dev.pgmanager.postgres;

/** PostgreSQL's shutdown modes, and the signal the postmaster takes each from. */
public enum StopMode {
    /** Wait for every client to disconnect (SIGTERM). */
    SMART(15),
    /** Disconnect clients, checkpoint, shut down cleanly: the normal way to stop (SIGINT). */
    FAST(2),
    /** Kill everything without a checkpoint; the next start runs crash recovery (SIGQUIT). */
    IMMEDIATE(3);

    private final int signal;

    StopMode(int signal) {
        this.signal = signal;
    }

    /** The signal that asks the postmaster for this stop. */
    public int signal() {
        return signal;
    }
}
