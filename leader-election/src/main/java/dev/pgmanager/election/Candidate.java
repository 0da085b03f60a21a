package dev.pgmanager.election;

import dev.pgmanager.store.Member;

/**
 * What the election needs to know about one member that might be promoted.
 *
 * @param machineId the member
 * @param timeline its database's timeline
 * @param receivedPosition last WAL position it received (bytes)
 * @param replayedPosition last WAL position it replayed (bytes)
 * @param priority operator priority, higher wins among equals
 * @param noFailover tagged never to be promoted
 */
public record Candidate(
        String machineId, long timeline, long receivedPosition, long replayedPosition, int priority, boolean noFailover) {

    public static Candidate of(Member member) {
        return new Candidate(
                member.machineId(),
                member.timeline(),
                member.receivedPosition(),
                member.replayedPosition(),
                member.tags().priority(),
                member.tags().noFailover());
    }
}
