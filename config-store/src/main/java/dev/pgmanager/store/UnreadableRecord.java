package dev.pgmanager.store;

/**
 * A record the store holds but cannot read (garbage, or a format this version does not know), left out of a
 * {@link ClusterSnapshot} so that everything else in it can still be used. Never treated as absent by accident: the
 * snapshot lists it, and each reader decides what its absence may and may not mean.
 *
 * @param part which part of the cluster's state it is
 * @param location where it lives (for ZooKeeper, the znode path)
 * @param problem why it cannot be read
 * @param owner whose session the record belongs to: only ephemeral records (members, the leader) have an owner, and
 *     the owner's sidecar is the one that may remove such a record without an operator
 */
public record UnreadableRecord(Part part, String location, String problem, Owner owner) {

    /** The parts of a snapshot that can be left out; identity and epoch cannot (nothing safe can be done without). */
    public enum Part { SPEC, MEMBER, LEADER, SYNC, HISTORY, HANDOVER }

    /** Whose the record is. */
    public enum Owner {
        /** An ephemeral record of the session that read it. */
        THIS_SESSION,
        /** An ephemeral record of another live session. */
        ANOTHER_SESSION,
        /** A persistent record: nobody's session keeps it, so nobody's sidecar removes it by itself. */
        NONE
    }
}
