package dev.pgmanager.ha;

import dev.pgmanager.election.LeaseState;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one pass of the control loop decides on, taken at one moment and never changed. Built with
 * {@link #of}, which names every part.
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
 *     leads or its name does not resolve. Resolved for this pass only, never stored: the actions that follow the
 *     leader connect to this address.
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
        Set<MachineId> slotHolders,
        Duration notStreamingFor,
        Optional<InetAddress> leaderAddress,
        Instant now,
        Replication replication,
        FailsafeState failsafe) {

    public Observation {
        Objects.requireNonNull(me, "me");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(leaseState, "leaseState");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(candidacy, "candidacy");
        slotHolders = Set.copyOf(slotHolders);
        Objects.requireNonNull(notStreamingFor, "notStreamingFor");
        Objects.requireNonNull(leaderAddress, "leaderAddress");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(failsafe, "failsafe");
    }

    /**
     * An observation of {@code me}, at {@code now}, of the store's {@code cluster} and the {@code local} server. The rest
     * starts as a member that holds no lease, keeps no slots, streams (or need not), sees no other leader's address,
     * runs asynchronously and is in no failsafe period.
     */
    public static Builder of(Member me, Instant now, ClusterSnapshot cluster, LocalPostgres local, Candidacy candidacy) {
        return new Builder(me, now, cluster, local, candidacy);
    }

    /** A builder that starts from this observation, to change a part of it. */
    public Builder toBuilder() {
        return new Builder(me, now, cluster, local, candidacy).lease(leaseState, lease).slotHolders(slotHolders)
                .notStreamingFor(notStreamingFor).leaderAddress(leaderAddress).replication(replication).failsafe(failsafe);
    }

    /** This member's identity. */
    public MachineId id() {
        return MachineId.of(me.machineId());
    }

    /** True when this member holds the lease and the store agrees. */
    public boolean iLead() {
        return leaseState == LeaseState.HELD
                && lease.isPresent()
                && cluster.leader().map(l -> l.equals(lease.get())).orElse(false);
    }

    /**
     * The store's leader record when it names this member although its lease is lost or not held (not merely
     * suspended, which may still resume): left by a lease that ran out while the store session lived on.
     */
    public Optional<Leader> staleOwnLeaderRecord() {
        if (leaseState != LeaseState.LOST && leaseState != LeaseState.NOT_HELD) return Optional.empty();
        return cluster.leader().filter(l -> l.machineId().equals(me.machineId()));
    }

    /** The leader in the store when it is someone else. */
    public Optional<Leader> otherLeader() {
        return cluster.leader().filter(l -> !l.machineId().equals(me.machineId()));
    }

    /** A member record recent enough to be trusted as alive. */
    public boolean isFresh(Member member) {
        return member.updatedAt() != null && !member.updatedAt().plus(candidacy.staleAfter()).isBefore(now);
    }

    /** Names the parts of an {@link Observation} one by one. */
    public static final class Builder {
        private final Member me;
        private final Instant now;
        private ClusterSnapshot cluster;
        private final LocalPostgres local;
        private final Candidacy candidacy;
        private LeaseState leaseState = LeaseState.NOT_HELD;
        private Optional<Leader> lease = Optional.empty();
        private Set<MachineId> slotHolders = Set.of();
        private Duration notStreamingFor = Duration.ZERO;
        private Optional<InetAddress> leaderAddress = Optional.empty();
        private Replication replication = Replication.off();
        private FailsafeState failsafe = FailsafeState.NONE;

        private Builder(Member me, Instant now, ClusterSnapshot cluster, LocalPostgres local, Candidacy candidacy) {
            this.me = me;
            this.now = now;
            this.cluster = cluster;
            this.local = local;
            this.candidacy = candidacy;
        }

        public Builder cluster(ClusterSnapshot cluster) {
            this.cluster = cluster;
            return this;
        }

        /** This member's hold on the lease, and the lease while held. */
        public Builder lease(LeaseState state, Optional<Leader> held) {
            this.leaseState = state;
            this.lease = held;
            return this;
        }

        public Builder slotHolders(Set<MachineId> members) {
            this.slotHolders = members;
            return this;
        }

        public Builder notStreamingFor(Duration duration) {
            this.notStreamingFor = duration;
            return this;
        }

        public Builder leaderAddress(Optional<InetAddress> address) {
            this.leaderAddress = address;
            return this;
        }

        public Builder replication(Replication replication) {
            this.replication = replication;
            return this;
        }

        public Builder failsafe(FailsafeState failsafe) {
            this.failsafe = failsafe;
            return this;
        }

        public Observation build() {
            return new Observation(me, cluster, local, leaseState, lease, candidacy, slotHolders, notStreamingFor, leaderAddress, now,
                    replication, failsafe);
        }
    }
}
