package dev.pgmanager.election;

/** Why a member may not be promoted, in the order the rules are checked. */
public enum Exclusion {
    NO_FAILOVER_TAG("tagged nofailover"),
    NOT_SYNCHRONOUS("not a synchronous standby while synchronous mode is on"),
    OFF_LEADER_TIMELINE("not on the leader's timeline"),
    LAGGING_TOO_FAR("further behind than maximum_lag_on_failover");

    private final String reason;

    Exclusion(String reason) {
        this.reason = reason;
    }

    /** The rule as a phrase for logs and diagnostics. */
    public String reason() {
        return reason;
    }
}
