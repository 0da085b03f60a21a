package dev.pgmanager.ha;

import dev.pgmanager.election.Candidate;
import dev.pgmanager.election.CandidateRanking;
import dev.pgmanager.election.FailoverRules;
import dev.pgmanager.election.LeaseState;
import dev.pgmanager.ha.Action.AcquireLease;
import dev.pgmanager.ha.Action.ApplyLeaseReflex;
import dev.pgmanager.ha.Action.ClearHandover;
import dev.pgmanager.ha.Action.CloneFrom;
import dev.pgmanager.ha.Action.Demote;
import dev.pgmanager.ha.Action.DropIdleSlots;
import dev.pgmanager.ha.Action.Follow;
import dev.pgmanager.ha.Action.HandOver;
import dev.pgmanager.ha.Action.InitializeCluster;
import dev.pgmanager.ha.Action.KeepSlots;
import dev.pgmanager.ha.Action.FollowSource;
import dev.pgmanager.ha.Action.Promote;
import dev.pgmanager.ha.Action.RecordIdentity;
import dev.pgmanager.ha.Action.ReleaseLease;
import dev.pgmanager.ha.Action.ReleaseStaleLease;
import dev.pgmanager.ha.Action.RemoveUnreadableLeader;
import dev.pgmanager.ha.Action.Rewind;
import dev.pgmanager.ha.Action.StartAsPrimary;
import dev.pgmanager.ha.Action.StartAsReplica;
import dev.pgmanager.ha.LocalPostgres.DataState;
import dev.pgmanager.ha.LocalPostgres.Following;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HandoverRequest.Kind;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Part;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The control loop's brain: a pure function from one {@link Observation} to a {@link Decision}. One decision tree,
 * walked top to bottom every pass; every leaf says in one sentence why it acts or waits.
 */
public final class Decider {

    /** A replica that cannot stream from its leader for this long is assumed to have diverged, and is rewound. */
    public static final Duration REWIND_AFTER_NOT_STREAMING = Duration.ofSeconds(15);

    public Decision decide(Observation o) {
        LocalPostgres local = o.local();
        if (local.data() == DataState.FOREIGN) {
            return Decision.none("the data directory holds files that are not a PostgreSQL cluster: not touching it; "
                    + "empty it or point postgres.data_dir elsewhere");
        }
        Optional<String> mismatch = foreignCluster(o);
        if (mismatch.isPresent()) return Decision.none(mismatch.get());
        if (local.frozen()) return frozen(o);
        if (spec(o).paused()) return paused(o);
        if (local.isPrimary() && !o.iLead()) return withoutLease(o);
        if (local.data() == DataState.EMPTY) return withoutData(o);
        if (!local.running()) return local.failedRewind().map(why -> leftStopped(o, why)).orElseGet(() -> startServer(o));
        if (o.iLead()) return asLeader(o);
        Optional<UnreadableRecord> unreadableLeader = o.cluster().unreadable(Part.LEADER);
        if (unreadableLeader.isPresent()) return withUnreadableLeader(o, unreadableLeader.get());
        Optional<Leader> stale = o.staleOwnLeaderRecord();
        if (stale.isPresent()) {
            // Others follow that record and this member, seeing itself named, would wait for them: nobody would lead.
            return Decision.of("the store still names me leader (epoch " + stale.get().epoch() + ") but my lease is "
                    + o.leaseState() + ": releasing that record so that a leader can be elected",
                    new ReleaseStaleLease(stale.get()));
        }
        Optional<Leader> leader = o.otherLeader();
        if (leader.isPresent()) return asFollower(o, leader.get());
        return leaderless(o);
    }

    /**
     * Paused, PostgreSQL is the operator's: nothing is started, stopped or promoted. Except a primary this sidecar's own
     * lease reflex stopped (its lease was in doubt): that was no operator's doing, and left down the cluster would have no
     * primary until it is resumed. Its leader starts it again while it holds that lease still (or the one it took back
     * right after it); it takes the lease back only when nobody has held one since its own (the store's epoch counter
     * has not moved, so nobody was promoted through pgmanager) and no member, by any record, runs as primary or got
     * past its timeline (an operator's promotion by hand).
     */
    private static Decision paused(Observation o) {
        LocalPostgres local = o.local();
        String observing = "paused: observing only (" + describeLocal(local) + ")";
        OptionalLong fencedIn = local.fencedInEpoch();
        if (fencedIn.isEmpty() || !local.lastRanAsPrimary() || local.failedRewind().isPresent() || spec(o).standbyOf().isPresent()) {
            return Decision.none(observing);
        }
        long fencedEpoch = fencedIn.getAsLong();
        String fenced = "paused, but my lease reflex stopped my primary while my lease (epoch " + fencedEpoch + ") was in doubt";
        if (o.iLead()) {
            long epoch = o.lease().orElseThrow().epoch();
            if (epoch != fencedEpoch && epoch != fencedEpoch + 1) return Decision.none(observing);
            return Decision.of(fenced + ", and I hold the lease (epoch " + epoch + "): starting it", new StartAsPrimary());
        }
        if (o.cluster().leader().isPresent() || o.cluster().unreadable(Part.LEADER).isPresent()) return Decision.none(observing);
        if (o.cluster().lastEpoch() != fencedEpoch) {
            return Decision.none(fenced + "; a lease was handed out since (epoch " + o.cluster().lastEpoch()
                    + "): leaving the cluster to the operator");
        }
        Optional<Member> ahead = o.cluster().membersExcept(o.id().value()).values().stream()
                .filter(m -> m.role() == MemberRole.PRIMARY || m.timeline() > local.timeline())
                .findFirst();
        if (ahead.isPresent()) {
            return Decision.none(fenced + "; " + ahead.get().machineId() + " runs as primary or on a later timeline: "
                    + "leaving the cluster to the operator");
        }
        if (o.cluster().unreadable(Part.MEMBER).isPresent() || !o.candidacy().mayLead(o.me())) return Decision.none(observing);
        return Decision.of(fenced + "; nobody has led since and no member got past my timeline: taking the lease back",
                new AcquireLease());
    }

    /**
     * Nobody can take the lease while the leader record exists, and nobody can follow one that cannot be read. Its owner
     * removes it: by now its server is not a primary (a primary that cannot read its own lease has just demoted), so no
     * second writer can appear. A persistent record, which no lease ever is, goes once no member runs as primary.
     */
    private static Decision withUnreadableLeader(Observation o, UnreadableRecord record) {
        String unreadable = "the leader record is unreadable (" + record.problem() + ")";
        return switch (record.owner()) {
            case THIS_SESSION -> Decision.of(unreadable + " and it is my session's: removing it so that a leader can be elected",
                    new RemoveUnreadableLeader());
            case ANOTHER_SESSION -> Decision.none(unreadable + ": waiting for the member whose session holds it to remove it "
                    + "(or pgmanager store repair)");
            case NONE -> o.cluster().membersExcept(o.id().value()).values().stream()
                    .filter(o::isFresh)
                    .filter(m -> m.role() == MemberRole.PRIMARY)
                    .findFirst()
                    .map(m -> Decision.none(unreadable + ": waiting for " + m.machineId() + ", which runs as primary, to stop writes "
                            + "before removing it"))
                    .orElseGet(() -> Decision.of(unreadable + " and no session holds it: removing it so that a leader can be "
                            + "elected", new RemoveUnreadableLeader()));
        };
    }

    private static Optional<String> foreignCluster(Observation o) {
        if (o.local().data() != DataState.CLUSTER) return Optional.empty();
        return o.cluster().identity().flatMap(identity -> o.local().systemIdentifier()
                .filter(local -> !local.equals(identity.systemIdentifier()))
                .map(local -> "the data directory holds another cluster (system identifier " + local
                        + ", this cluster's is " + identity.systemIdentifier() + "): not starting it; "
                        + "`pgmanager reinit " + o.id() + "` moves it aside and clones the leader"));
    }

    /**
     * My lease reflex froze my primary when the lease came into doubt: it answers no query, and goes on once the lease
     * is confirmed again, or is killed once the lease is lost. The reflex does both on the lease's changes; the loop asks
     * for them again (they may have failed), paused or not.
     */
    private static Decision frozen(Observation o) {
        String why = "my primary is frozen by my lease reflex (the lease is " + o.leaseState() + ")";
        if (o.iLead()) return Decision.of(why + "; the lease is confirmed again: letting it go on", new ApplyLeaseReflex());
        if (o.leaseState() == LeaseState.SUSPENDED) {
            return Decision.none(why + "; it goes on when the store confirms the lease, and is stopped if the lease is lost");
        }
        return Decision.of(why + "; the lease is lost: stopping it", new ApplyLeaseReflex());
    }

    private static Decision withoutLease(Observation o) {
        if (o.failsafe().confirmedByAll() && o.cluster().leader().isEmpty()) {
            // Every member promised not to take the lease while it confirmed it follows us: nobody else can have
            // accepted writes, so this primary takes the lease back rather than stop.
            return Decision.of("I run as primary without the lease, nobody leads, and every member confirmed it follows me "
                    + "while the store was unreachable (failsafe mode): taking the lease again", new AcquireLease());
        }
        if (o.leaseState() == LeaseState.SUSPENDED && o.otherLeader().isEmpty()) {
            // Frozen, it goes on if the lease is confirmed again; a demotion would turn a late answer into a restart on
            // a new timeline. The reflex froze it already, unless it was no primary yet then (a promotion under way).
            return Decision.of("my lease is in doubt (SUSPENDED) and my primary runs: freezing it until the lease is "
                    + "confirmed again or lost", new ApplyLeaseReflex());
        }
        return demote(o);
    }

    private static Decision demote(Observation o) {
        return o.otherLeader()
                .map(l -> Decision.of(l.machineId() + " holds the lease (epoch " + l.epoch()
                        + ") but I run as primary: demoting to follow it", new Demote(Optional.of(idOf(l)))))
                .orElseGet(() -> Decision.of("I run as primary without the lease (" + o.leaseState()
                        + "): stopping writes and demoting", new Demote(Optional.empty())));
    }

    private static Decision withoutData(Observation o) {
        if (o.cluster().identity().isEmpty() && o.candidacy().restoredFrom().isPresent()) {
            String why = "the cluster is uninitialized and this app was restored from " + o.candidacy().restoredFrom().get()
                    + " (FLY_RESTORED_FROM), while my data directory is empty";
            if (o.iLead()) return Decision.of(why + ": giving the lease up to the member that holds the restored data", new ReleaseLease());
            return Decision.none(why + ": waiting for the member that holds the restored data to initialize the cluster "
                    + "(a new, empty cluster is never made here; if no member holds it, remove FLY_RESTORED_FROM from the "
                    + "machines' environment and secrets)");
        }
        if (o.cluster().identity().isEmpty()) {
            if (o.iLead()) {
                return Decision.of("I hold the lease of an uninitialized cluster: initializing it", new InitializeCluster());
            }
            Optional<Leader> leader = o.cluster().leader();
            if (leader.isPresent()) {
                return Decision.none("waiting for " + leader.get().machineId() + " to initialize the cluster");
            }
            if (!o.candidacy().mayLead(o.me())) {
                return Decision.none("the cluster is uninitialized and I may not lead (" + whyNotCandidate(o)
                        + "): waiting for a member that may");
            }
            return Decision.of("the cluster is uninitialized and nobody leads: taking the lease to initialize it",
                    new AcquireLease(), new InitializeCluster());
        }
        if (o.iLead()) {
            return Decision.of("I hold the lease but have no data: giving the lease up", new ReleaseLease());
        }
        Optional<Leader> leader = o.otherLeader();
        if (leader.isPresent() && runningPrimary(o, leader.get().machineId())) {
            return Decision.of("no data: cloning from the leader " + leader.get().machineId(), new CloneFrom(idOf(leader.get())));
        }
        return Decision.none("no data, and no running leader to clone from: waiting");
    }

    /** Whatever the cluster does: the operator was told the server stays stopped, and only they decide what comes next. */
    private static Decision leftStopped(Observation o, String why) {
        MachineId me = o.id();
        return Decision.none("my server is left stopped: a rejoin could not rewind its data (" + why + "); `pgmanager reinit "
                + me + "` re-clones it (the data is moved aside and kept), `pgmanager rejoin " + me + "` tries the rewind again");
    }

    private static Decision startServer(Observation o) {
        Optional<ClusterSpec.Source> source = o.cluster().spec().value().standbyOf();
        if (o.iLead() && source.isPresent()) {
            return Decision.of("I lead a standby cluster and my server is down: starting it as a replica of " + source.get(),
                    new FollowSource(source.get(), true));
        }
        if (o.iLead()) {
            return Decision.of("I hold the lease (epoch " + o.lease().orElseThrow().epoch() + ") and my server is down: starting it",
                    new StartAsPrimary());
        }
        Optional<Leader> leader = o.otherLeader();
        if (leader.isPresent() && o.local().lastRanAsPrimary()) {
            return Decision.of("my server is down and its data was a primary's, while " + leader.get().machineId()
                    + " leads: rewinding onto its history before following it", new Rewind(idOf(leader.get())));
        }
        return leader
                .map(l -> Decision.of("my server is down: starting it as a replica of " + l.machineId(),
                        new StartAsReplica(Optional.of(idOf(l)))))
                .orElseGet(() -> Decision.of("my server is down and nobody leads: starting it as a replica",
                        new StartAsReplica(Optional.empty())));
    }

    private Decision asLeader(Observation o) {
        long epoch = o.lease().orElseThrow().epoch();
        Optional<ClusterSpec.Source> source = o.cluster().spec().value().standbyOf();
        if (o.local().isReplica() && source.isPresent()) return asStandbyLeader(o, source.get(), epoch);
        if (o.local().isReplica()) {
            return withPromotion(o, "I hold the lease (epoch " + epoch + ") and my server is a replica: promoting");
        }
        if (source.isPresent()) {
            return Decision.none("the spec makes this cluster a standby of " + source.get() + ", but my server already runs as "
                    + "primary: it stays so (a promoted cluster never follows another primary again); remove standbyOf");
        }
        if (o.cluster().identity().isEmpty()) {
            return Decision.of("I lead a cluster with no recorded identity: recording my data's", new RecordIdentity());
        }
        Optional<HandoverRequest> handover = o.cluster().handover();
        if (handover.isPresent()) return handOver(o, handover.get());
        Optional<UnreadableRecord> unreadableRequest = o.cluster().unreadable(Part.HANDOVER);
        if (unreadableRequest.isPresent()) {
            String why = "the request is unreadable (" + unreadableRequest.get().problem() + ")";
            return Decision.of("removing a switchover or failover request: " + why, ClearHandover.cancelled(why));
        }
        KeepSlots keepSlots = memberSlots(o);
        Optional<Decision> sync = SynchronousStandbys.manage(o, epoch);
        if (sync.isPresent()) {
            List<Action> actions = new ArrayList<>(List.of(keepSlots));
            actions.addAll(sync.get().actions());
            return new Decision(actions, sync.get().reason());
        }
        return Decision.of("no action: I am the leader with the lease, epoch " + epoch + SynchronousStandbys.describe(o), keepSlots);
    }

    /**
     * The leader of a standby cluster streams from the primary outside it and is never promoted while the spec says so.
     * A leader that took over within the cluster follows a member still: it turns to the source.
     */
    private static Decision asStandbyLeader(Observation o, ClusterSpec.Source source, long epoch) {
        if (o.cluster().identity().isEmpty()) {
            return Decision.of("I lead a standby cluster with no recorded identity: recording my data's", new RecordIdentity());
        }
        if (o.local().following().isPresent()) {
            return Decision.of("I lead a standby cluster (epoch " + epoch + "): following its source " + source + ", was following "
                    + o.local().following().get().leader(), new FollowSource(source, false));
        }
        return Decision.of("no action: I lead a standby cluster (epoch " + epoch + "), " + (o.local().streaming() ? "streaming" : "not streaming yet")
                + " from its source " + source, memberSlots(o));
    }

    private Decision handOver(Observation o, HandoverRequest request) {
        String me = o.id().value();
        if (expired(o, request)) return Decision.of("the " + kind(request) + " request expired", ClearHandover.cancelled("expired"));
        if (me.equals(request.to())) {
            return Decision.of("the " + kind(request) + " to me is complete", ClearHandover.completed());
        }
        if (request.from() != null && !request.from().equals(me)) {
            String why = "it names " + request.from() + " as the leader, but I lead";
            return Decision.of("refusing the " + kind(request) + ": " + why, ClearHandover.cancelled(why));
        }
        if (request.kind() == Kind.FAILOVER) {
            if (o.cluster().member(request.to()).filter(o::isFresh).isEmpty()) {
                String why = request.to() + " is not a live member";
                return Decision.of("refusing the failover: " + why, ClearHandover.cancelled(why));
            }
            return Decision.of("failover to " + request.to() + " requested: handing over", new HandOver(MachineId.of(request.to())));
        }
        Optional<String> target = Optional.ofNullable(request.to()).or(() -> bestReplica(o));
        if (target.isEmpty()) {
            String why = "no healthy replica to switch over to";
            return Decision.of("refusing the switchover: " + why, ClearHandover.cancelled(why));
        }
        Optional<String> unhealthy = whyNotHealthyReplica(o, target.get());
        if (unhealthy.isPresent()) {
            return Decision.of("refusing the switchover to " + target.get() + ": " + unhealthy.get(), ClearHandover.cancelled(unhealthy.get()));
        }
        return Decision.of("switchover to " + target.get() + " requested: stopping cleanly and handing over",
                new HandOver(MachineId.of(target.get())));
    }

    private static Decision asFollower(Observation o, Leader leader) {
        MachineId id = idOf(leader);
        LocalPostgres local = o.local();
        // Every way of following connects to the address the leader's name has now; without one, nothing may be tried.
        if (o.leaderAddress().isEmpty()) {
            return Decision.none("the leader " + id + " (epoch " + leader.epoch() + ") does not resolve in DNS: "
                    + "waiting for its name to resolve, never guessing an address");
        }
        InetAddress address = o.leaderAddress().get();
        String at = AddressText.of(address);
        Optional<Following> following = local.following();
        if (following.map(Following::leader).filter(id::equals).isEmpty()) {
            return Decision.of("following the leader " + id + " (epoch " + leader.epoch() + ") at " + at + ", was following "
                    + following.map(f -> f.leader().value()).orElse("nobody"), new Follow(id, address));
        }
        // A migrated leader keeps its name but not its address; primary_conninfo names both, so it must be rewritten.
        Optional<InetAddress> followedAt = following.get().address();
        if (followedAt.isEmpty()) {
            return Decision.of("the address I follow the leader " + id + " at is unknown: re-pointing at " + at,
                    new Follow(id, address));
        }
        if (!followedAt.get().equals(address)) {
            return Decision.of("the leader " + id + " moved from " + AddressText.of(followedAt.get()) + " to " + at
                    + ": re-pointing", new Follow(id, address));
        }
        Optional<Member> leaderMember = o.cluster().member(id.value()).filter(m -> publishedSinceLeading(m, leader));
        // A replica streaming from the leader has its history. And a just-promoted leader's record still shows its old
        // timeline while its replicas already follow the new one: only a record written since it leads is compared.
        Optional<LocalPostgres.PastSwitchpoint> past = local.server().flatMap(LocalPostgres.Server::pastSwitchpoint);
        if (past.isPresent() && leaderMember.isPresent() && leaderMember.get().timeline() == past.get().timeline()) {
            // PostgreSQL will never follow it: waiting out REWIND_AFTER_NOT_STREAMING only delays the rewind.
            return Decision.of("the leader's timeline " + past.get().timeline() + " left mine at " + lsn(past.get().switchpoint())
                    + " and I replayed on to " + lsn(past.get().replayed()) + ": our histories diverged, rewinding to " + id,
                    new Rewind(id));
        }
        if (!local.streaming() && leaderMember.isPresent() && leaderMember.get().timeline() > 0
                && local.timeline() > leaderMember.get().timeline()) {
            return Decision.of("my timeline " + local.timeline() + " is ahead of the leader's " + leaderMember.get().timeline()
                    + ": our histories diverged, rewinding to " + id, new Rewind(id));
        }
        if (!local.streaming() && o.notStreamingFor().compareTo(REWIND_AFTER_NOT_STREAMING) >= 0 && runningPrimary(o, id.value())) {
            return Decision.of("not streaming from " + id + " for " + o.notStreamingFor().toSeconds()
                    + " s although it runs: assuming our histories diverged, rewinding", new Rewind(id));
        }
        String state = (local.streaming() ? "streaming from" : "following, not yet streaming from") + " the leader " + id
                + ", epoch " + leader.epoch();
        Optional<HandoverRequest> toMe = o.cluster().handover().filter(r -> o.id().value().equals(r.to()) && !expired(o, r));
        if (toMe.isPresent()) {
            // The leader pins its target before it stops, a checkpoint and the WAL senders' exit (about 100 ms) ahead of
            // the lease's release: the slots made now are not made between taking the lease and promoting.
            return Decision.of(state + "; the " + kind(toMe.get()) + " to me is under way: creating the others' slots ahead "
                    + "of my promotion", memberSlots(o));
        }
        Set<String> leftOver = membersIdleSlots(o);
        if (!leftOver.isEmpty()) {
            return Decision.of(state + "; dropping the slots " + String.join(", ", new TreeSet<>(leftOver))
                    + " I hold as a replica: nobody streams through them, and they keep WAL on my disk", new DropIdleSlots(leftOver));
        }
        return Decision.none("no action: " + state);
    }

    /**
     * A replica's idle slots named after members: left from when it led, or from a promotion that did not happen (a
     * promotion creates the slots it needs). Slots of other names are an operator's, and stay.
     */
    private static Set<String> membersIdleSlots(Observation o) {
        Set<String> members = new HashSet<>();
        o.slotHolders().forEach(m -> members.add(m.slotName()));
        Set<String> idle = new HashSet<>(o.local().server().map(LocalPostgres.Server::idleSlots).orElse(List.of()));
        idle.retainAll(members);
        return idle;
    }

    private Decision leaderless(Observation o) {
        String me = o.id().value();
        Optional<MachineId> promised = o.failsafe().promisedTo();
        if (promised.isPresent()) {
            // That primary may still be accepting writes, cut off from the store only, and counts on the promise.
            return Decision.none("no leader in the store, but I confirmed to " + promised.get() + " within the last session "
                    + "timeout that I follow it (its failsafe mode): not taking the lease until that promise ends");
        }
        Optional<HandoverRequest> request = o.cluster().handover().filter(r -> r.to() != null && !expired(o, r));
        if (request.isPresent()) {
            String target = request.get().to();
            if (!target.equals(me)) return Decision.none("no leader: waiting for " + target + " to take over as requested");
            Optional<String> lacking = lacksLastWal(o, request.get());
            if (lacking.isPresent()) {
                return Decision.of("refusing the " + kind(request.get()) + " to me: " + lacking.get(), ClearHandover.cancelled(lacking.get()));
            }
            return withLease(o, "the " + kind(request.get()) + " to me was requested and nobody leads: taking the lease");
        }
        if (!o.candidacy().mayLead(o.me())) {
            return Decision.none("no leader, and I may not lead (" + whyNotCandidate(o) + "): waiting");
        }
        // Every live replica tells how far the WAL got, even one that may not lead; only those that may are ranked.
        List<Member> liveReplicas = o.cluster().membersExcept(me).values().stream()
                .filter(o::isFresh)
                .filter(m -> m.role() == MemberRole.REPLICA)
                .toList();
        List<Candidate> known = new ArrayList<>(liveReplicas.stream().map(Candidate::of).toList());
        known.add(localCandidate(o));
        List<Candidate> candidates = new ArrayList<>(liveReplicas.stream().filter(o.candidacy()::mayLead).map(Candidate::of).toList());
        candidates.add(localCandidate(o));
        Optional<String> unheard = SynchronousStandbys.whyNotEnoughWitnesses(o, liveReplicas);
        if (unheard.isPresent()) return Decision.none(unheard.get());
        CandidateRanking ranking = new CandidateRanking(rulesFor(o, known));
        Optional<Candidate> best = ranking.best(candidates);
        if (best.isEmpty()) {
            return Decision.none("no leader, and no member may be promoted: I am excluded ("
                    + ranking.exclusion(localCandidate(o)).map(e -> e.reason()).orElse("?") + ")");
        }
        if (!best.get().machineId().equals(me)) {
            return Decision.none("no leader: waiting for the better candidate " + best.get().machineId());
        }
        return withLease(o, "no leader: I am the best candidate (timeline " + o.local().timeline() + ", received "
                + describe(o.local().wal().received()) + "): taking the lease");
    }

    private static Decision withLease(Observation o, String reason) {
        List<Action> actions = new ArrayList<>(List.of(new AcquireLease()));
        actions.addAll(promotion(o));
        return new Decision(actions, reason);
    }

    private static Decision withPromotion(Observation o, String reason) {
        return new Decision(promotion(o), reason);
    }

    private static List<Action> promotion(Observation o) {
        Optional<ClusterSpec.Source> source = o.cluster().spec().value().standbyOf();
        if (source.isPresent()) {
            // A standby cluster's new leader is not promoted: it turns from its old leader to the source
            List<Action> actions = new ArrayList<>(List.of(memberSlots(o), new FollowSource(source.get(), false)));
            o.cluster().handover().ifPresent(r -> actions.add(ClearHandover.completed()));
            return actions;
        }
        List<Action> actions = new ArrayList<>(SynchronousStandbys.beforePromotion(o));
        // The others re-point at a new leader as soon as its lease is in the store, mostly before its promotion ends:
        // their slots must exist by then (a standby can hold them), or each first attempt fails and the replica waits
        // wal_retrieve_retry_interval before the next, which strict synchronous mode's writers wait out too.
        actions.add(memberSlots(o));
        actions.add(new Promote());
        o.cluster().handover().ifPresent(r -> actions.add(ClearHandover.completed()));
        return actions;
    }

    /** A replication slot on the leader for every other member (present, or gone for less than the retention). */
    private static KeepSlots memberSlots(Observation o) {
        Set<MachineId> slots = new HashSet<>(o.slotHolders());
        slots.remove(o.id());
        return new KeepSlots(slots);
    }

    /** Lag and timeline are measured against the most advanced live member: the best estimate of the lost leader. */
    private static FailoverRules rulesFor(Observation o, List<Candidate> known) {
        long timeline = known.stream().mapToLong(Candidate::timeline).max().orElse(0);
        long reference = known.stream().mapToLong(Candidate::receivedPosition).max().orElse(0);
        // Whatever this member's own settings: the last leader's record says who holds every acknowledged write.
        Optional<Set<String>> sync = o.cluster().sync().map(SynchronousStandbys::promotable);
        return new FailoverRules(timeline, reference, spec(o).maximumLagOnFailoverBytes(), sync);
    }

    private static Candidate localCandidate(Observation o) {
        LocalPostgres local = o.local();
        // The election rules read -1 as an unknown position, as in the store's member records.
        return new Candidate(o.id().value(), local.timeline(), local.wal().furthest().orElse(-1), local.wal().replayed().orElse(-1),
                o.me().tags().priority(), o.me().tags().noFailover());
    }

    /**
     * The best switchover target among live, healthy replicas: where this leader's hand-over would go now. Also what
     * {@code /health/safe-to-stop} asks, so that the probe and the hand-over can never disagree.
     */
    public Optional<String> bestReplica(Observation o) {
        List<Candidate> healthy = o.cluster().membersExcept(o.id().value()).values().stream()
                .filter(m -> whyNotHealthyReplica(o, m.machineId()).isEmpty())
                .map(Candidate::of)
                .toList();
        return healthy.stream().sorted(CandidateRanking.BEST_FIRST).map(Candidate::machineId).findFirst();
    }

    /** Why a member may not take over from this leader in a switchover, or empty when it may. */
    public static Optional<String> whyNotHealthyReplica(Observation o, String machineId) {
        Optional<Member> member = o.cluster().member(machineId).filter(o::isFresh);
        if (member.isEmpty()) return Optional.of(machineId + " is not a live member");
        Member m = member.get();
        if (m.role() == MemberRole.REPLICA && !o.candidacy().mayLead(m)) {
            return Optional.of(machineId + " may not lead (region or nofailover tag)");
        }
        return SwitchoverTarget.whyNot(o.cluster(), o.id().value(), m, o.local().timeline(), o.local().wal().replayed());
    }

    /** A WAL position as PostgreSQL writes it. */
    private static String lsn(long position) {
        return "%X/%X".formatted(position >>> 32, position & 0xFFFFFFFFL);
    }

    /** Whether the leader wrote {@code record} after it took the lease, and so after its promotion. */
    private static boolean publishedSinceLeading(Member record, Leader leader) {
        return record.updatedAt() != null && leader.acquiredAt() != null && record.updatedAt().isAfter(leader.acquiredAt());
    }

    /** Whether {@code machineId} is a live member whose record says it runs as the primary. */
    public static boolean runningPrimary(Observation o, String machineId) {
        return o.cluster().member(machineId).filter(o::isFresh).map(m -> m.role() == MemberRole.PRIMARY
                // the leader of a standby cluster serves its members as a primary would, from its replica
                || o.cluster().spec().value().standbyOf().isPresent() && m.role() == MemberRole.REPLICA
                        && o.cluster().leader().map(l -> l.machineId().equals(machineId)).orElse(false)).orElse(false);
    }

    /** The store's leader record names its holder by the text of its machine ID. */
    private static MachineId idOf(Leader leader) {
        return MachineId.of(leader.machineId());
    }

    private static boolean expired(Observation o, HandoverRequest request) {
        return request.requestedAt() != null && request.requestedAt().plus(o.candidacy().handoverTimeout()).isBefore(o.now());
    }

    private static String whyNotCandidate(Observation o) {
        if (o.me().tags().noFailover()) return "tagged nofailover";
        return "region " + o.me().region() + " is outside the primary region "
                + o.candidacy().primaryRegion().orElse("?");
    }

    private static String kind(HandoverRequest request) {
        return request.kind().name().toLowerCase();
    }

    private static ClusterSpec spec(Observation o) {
        return o.cluster().spec().value();
    }

    private static String describeLocal(LocalPostgres local) {
        return local.server().map(s -> s.role().name().toLowerCase() + " on timeline " + local.timeline()).orElse("server down");
    }

    /**
     * Why this member, a hand-over's target, lacks WAL that the leader who stepped down for it wrote (a replica that fell
     * away just before the stop): it must not take over then, and a failover by rank picks a member that has it (the
     * old leader's own data, restarted as a replica, if nobody else). Empty when it has it all, or nobody recorded where
     * the old leader stopped (an older version's request), or for a failover the operator forced.
     */
    private static Optional<String> lacksLastWal(Observation o, HandoverRequest request) {
        // A failover was asked knowing the target may lack WAL (pgmanager failover --force): the operator chose that loss
        if (request.kind() != HandoverRequest.Kind.SWITCHOVER || request.lastLsn() == null) return Optional.empty();
        OptionalLong received = o.local().wal().received();
        if (received.isPresent() && received.getAsLong() > request.lastLsn()) return Optional.empty();
        return Optional.of("my WAL ends at " + describe(received) + ", before the last record " + request.from()
                + " wrote (its shutdown checkpoint at " + request.lastLsn() + "): a failover by rank picks a member that has it");
    }

    private static String describe(OptionalLong position) {
        return position.isPresent() ? Long.toString(position.getAsLong()) : "unknown";
    }
}
