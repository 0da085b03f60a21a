package dev.pgmanager.ha;

import dev.pgmanager.election.LeaseState;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one pass of the control loop decides on, taken at one moment and never changed.
 *
 * @param me this member's record as it would publish it now (region, tags)
 * @param cluster the store's state
 * @param local this member's PostgreSQL
 * @param leaseState this member's hold on the lease
 * @param lease the lease, while held
 * @param candidacy region and freshness rules
 * @param slotHolders members that should have a replication slot on the primary (present, or gone for less than
 *     the retention)
 * @param notStreamingFor how long a running replica has not been streaming (zero when it is)
 * @param leaderAddress the address another member's lease holder resolves to now in DNS; empty when nobody else
 *     leads or its name does not resolve. Resolved for this pass only, never stored.
 * @param now the moment of the observation
 * @param replication synchronous replication: this member's settings and its server's standbys
 * @param failsafe where this member stands in failsafe mode
 */
public record Observation(
        Member me,
        ClusterSnapshot cluster,
        LocalPostgres local,
        LeaseState leaseState,
        Optional<Leader> lease,
        Candidacy candidacy,
        Set<String> slotHolders,
        Duration notStreamingFor,
        Optional<String> leaderAddress,
        Instant now,
        Replication replication,
        FailsafeState failsafe) {

    public Observation {
        slotHolders = Set.copyOf(slotHolders);
    }

    /** An observation of a member that runs asynchronously, with failsafe mode off. */
    public Observation(Member me, ClusterSnapshot cluster, LocalPostgres local, LeaseState leaseState, Optional<Leader> lease,
            Candidacy candidacy, Set<String> slotHolders, Duration notStreamingFor, Optional<String> leaderAddress, Instant now) {
        this(me, cluster, local, leaseState, lease, candidacy, slotHolders, notStreamingFor, leaderAddress, now, Replication.off(),
                FailsafeState.NONE);
    }

    public String machineId() {
        return me.machineId();
    }

    /** True when this member holds the lease and the store agrees. */
    public boolean iLead() {
        return leaseState == LeaseState.HELD
                && lease.isPresent()
                && cluster.leader().map(l -> l.equals(lease.get())).orElse(false);
    }

    /** The leader in the store when it is someone else. */
    public Optional<Leader> otherLeader() {
        return cluster.leader().filter(l -> !l.machineId().equals(machineId()));
    }

    /** A member record recent enough to be trusted as alive. */
    public boolean isFresh(Member member) {
        return member.updatedAt() != null && !member.updatedAt().plus(candidacy.staleAfter()).isBefore(now);
    }
}
