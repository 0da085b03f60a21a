package dev.pgmanager.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.election.LeaseState;
import dev.pgmanager.ha.Action.AcquireLease;
import dev.pgmanager.ha.Action.ApplyLeaseReflex;
import dev.pgmanager.ha.Action.ClearHandover;
import dev.pgmanager.ha.Action.ClearSyncState;
import dev.pgmanager.ha.Action.CloneFrom;
import dev.pgmanager.ha.Action.Demote;
import dev.pgmanager.ha.Action.Follow;
import dev.pgmanager.ha.Action.HandOver;
import dev.pgmanager.ha.Action.FollowSource;
import dev.pgmanager.ha.Action.InitializeCluster;
import dev.pgmanager.ha.Action.KeepSlots;
import dev.pgmanager.ha.Action.Promote;
import dev.pgmanager.ha.Action.RecordIdentity;
import dev.pgmanager.ha.Action.ReleaseLease;
import dev.pgmanager.ha.Action.ReleaseStaleLease;
import dev.pgmanager.ha.Action.RemoveUnreadableLeader;
import dev.pgmanager.ha.Action.Rewind;
import dev.pgmanager.ha.Action.SetStandbyNames;
import dev.pgmanager.ha.Action.StartAsPrimary;
import dev.pgmanager.ha.Action.StartAsReplica;
import dev.pgmanager.ha.Action.WriteSyncState;
import dev.pgmanager.ha.LocalPostgres.Following;
import dev.pgmanager.ha.LocalPostgres.Server;
import dev.pgmanager.ha.LocalPostgres.ServerRole;
import dev.pgmanager.ha.LocalPostgres.WalPositions;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HandoverRequest.Kind;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Owner;
import dev.pgmanager.store.UnreadableRecord.Part;
import dev.pgmanager.store.Versioned;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The decision table: one row per branch of {@link Decider#decide}, each with the actions and the reason it gives. */
class DeciderTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final String ME = "aaaa0000000001";
    private static final String B = "bbbb0000000002";
    private static final String C = "cccc0000000003";
    private static final String SYSID = "7311111111111111111";
    private static final long TL = 2;
    private static final long AT = 100_000_000;
    /** Where the leader {@link #B} resolves to, and where it resolved to before it moved (as the reasons write them). */
    private static final String B_ADDRESS = "fdaa:0:1::b2";
    private static final String B_OLD_ADDRESS = "fdaa:0:1::b1";
    /** The slots a leader keeps (and a member about to be promoted creates) in a cluster of ME, B and C. */
    private static final KeepSlots OTHERS_SLOTS = new KeepSlots(Set.of(id(B), id(C)));
    private static final ClusterSpec.Source SOURCE = new ClusterSpec.Source("flex-primary.internal", 5433, "repmgr");
    private static final ClusterSpec STANDBY = ClusterSpec.defaults().withStandbyOf(Optional.of(SOURCE));
    private static final ClusterSpec PAUSED = ClusterSpec.defaults().withPaused(true);
    /** The slots a member taking the lease creates before its promotion, once the leader B is gone. */
    private static final KeepSlots SURVIVOR_SLOTS = new KeepSlots(Set.of(id(C)));

    /** A three-member cluster in which {@link #ME} leads a running primary and both others stream from it. */
    private record Situation(
            ClusterSpec spec,
            Optional<ClusterIdentity> identity,
            TreeMap<String, Member> members,
            Optional<Leader> leader,
            Optional<HandoverRequest> handover,
            LocalPostgres local,
            LeaseState leaseState,
            Member me,
            Candidacy candidacy,
            Duration notStreamingFor,
            Optional<String> leaderAddress) {

        static Situation healthyLeader() {
            var members = new TreeMap<String, Member>();
            members.put(ME, member(ME, MemberRole.PRIMARY, MemberState.RUNNING, TL, AT));
            members.put(B, member(B, MemberRole.REPLICA, MemberState.STREAMING, TL, AT));
            members.put(C, member(C, MemberRole.REPLICA, MemberState.STREAMING, TL, AT - 10));
            return new Situation(ClusterSpec.defaults(), Optional.of(new ClusterIdentity(B, SYSID, NOW.minusSeconds(3600))),
                    members, Optional.of(new Leader(ME, 7, NOW.minusSeconds(60))), Optional.empty(),
                    running(ServerRole.PRIMARY, TL, AT, Optional.empty(), false), LeaseState.HELD,
                    member(ME, MemberRole.PRIMARY, MemberState.RUNNING, TL, AT),
                    new Candidacy(Optional.empty(), false, Duration.ofSeconds(5), Duration.ofSeconds(30)), Duration.ZERO,
                    Optional.of(B_ADDRESS));
        }

        /** {@link #ME} is a streaming replica of {@link #B}, which leads. */
        static Situation healthyReplica() {
            var s = healthyLeader();
            var members = new TreeMap<>(s.members);
            members.put(ME, member(ME, MemberRole.REPLICA, MemberState.STREAMING, TL, AT));
            members.put(B, member(B, MemberRole.PRIMARY, MemberState.RUNNING, TL, AT));
            return s.with(members).leader(new Leader(B, 8, NOW.minusSeconds(5)))
                    .local(running(ServerRole.REPLICA, TL, AT, Optional.of(B), true)).lease(LeaseState.NOT_HELD);
        }

        /** The leader {@link #B} is gone (its records expired); {@link #ME} and {@link #C} are replicas. */
        static Situation leaderless() {
            var s = healthyReplica();
            var members = new TreeMap<>(s.members);
            members.remove(B);
            members.put(C, member(C, MemberRole.REPLICA, MemberState.RUNNING, TL, AT - 10));
            return s.with(members).noLeader().local(running(ServerRole.REPLICA, TL, AT, Optional.of(B), false));
        }

        Situation with(TreeMap<String, Member> m) {
            return new Situation(spec, identity, m, leader, handover, local, leaseState, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation changing(String id, UnaryOperator<Member> change) {
            var m = new TreeMap<>(members);
            m.put(id, change.apply(m.get(id)));
            return with(m);
        }

        Situation without(String id) {
            var m = new TreeMap<>(members);
            m.remove(id);
            return with(m);
        }

        Situation leader(Leader l) {
            return new Situation(spec, identity, members, Optional.of(l), handover, local, leaseState, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation noLeader() {
            return new Situation(spec, identity, members, Optional.empty(), handover, local, leaseState, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation local(LocalPostgres l) {
            return new Situation(spec, identity, members, leader, handover, l, leaseState, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation lease(LeaseState state) {
            return new Situation(spec, identity, members, leader, handover, local, state, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation spec(ClusterSpec s) {
            return new Situation(s, identity, members, leader, handover, local, leaseState, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation uninitialized() {
            return new Situation(spec, Optional.empty(), members, leader, handover, local, leaseState, me, candidacy, notStreamingFor, leaderAddress);
        }

        Situation handover(Kind kind, String from, String to, Instant at) {
            return handover(new HandoverRequest(kind, from, to, at));
        }

        Situation handover(HandoverRequest request) {
            return new Situation(spec, identity, members, leader, Optional.of(request), local, leaseState, me, candidacy,
                    notStreamingFor, leaderAddress);
        }

        Situation me(Member m) {
            return new Situation(spec, identity, members, leader, handover, local, leaseState, m, candidacy, notStreamingFor, leaderAddress);
        }

        Situation candidacy(Candidacy c) {
            return new Situation(spec, identity, members, leader, handover, local, leaseState, me, c, notStreamingFor, leaderAddress);
        }

        Situation notStreamingFor(Duration d) {
            return new Situation(spec, identity, members, leader, handover, local, leaseState, me, candidacy, d, leaderAddress);
        }

        Situation resolving(Optional<String> address) {
            return new Situation(spec, identity, members, leader, handover, local, leaseState, me, candidacy, notStreamingFor, address);
        }

        Observation observe() {
            Optional<Leader> lease = leaseState == LeaseState.HELD ? leader.filter(l -> l.machineId().equals(ME)) : Optional.empty();
            var snapshot = new ClusterSnapshot("test", new Versioned<>(spec, 3), identity, members, leader, 8, Optional.empty(),
                    List.of(), handover);
            Optional<InetAddress> resolved = leader.filter(l -> !l.machineId().equals(ME)).flatMap(l -> leaderAddress).map(DeciderTest::address);
            return Observation.of(me, NOW, snapshot, local, candidacy)
                    .lease(leaseState, lease)
                    .slotHolders(members.keySet().stream().map(MachineId::of).collect(Collectors.toSet()))
                    .notStreamingFor(notStreamingFor)
                    .leaderAddress(resolved)
                    .build();
        }
    }

    private static Member member(String id, MemberRole role, MemberState state, long timeline, long position) {
        return new Member(id, "ams", role, state, timeline, position, position, Member.Tags.NONE, 5433, 8008, NOW.minusMillis(500));
    }

    /** A running server; a replica following {@link #B} follows it at its current address. */
    private static LocalPostgres running(ServerRole role, long timeline, long position, Optional<String> upstream, boolean streaming) {
        Optional<String> address = upstream.filter(B::equals).map(b -> B_ADDRESS);
        return following(role, timeline, position, upstream, address, streaming);
    }

    private static LocalPostgres following(ServerRole role, long timeline, long position, Optional<String> upstream,
            Optional<String> upstreamAddress, boolean streaming) {
        var wal = new WalPositions(OptionalLong.of(position), OptionalLong.of(position));
        var followed = upstream.map(u -> new Following(id(u), upstreamAddress.map(DeciderTest::address)));
        return LocalPostgres.running(SYSID, timeline, new Server(role, wal, followed, streaming));
    }

    /** A replica on the timeline before {@link #TL} that replayed past where {@code newerTimeline}'s history left it. */
    private static LocalPostgres pastSwitchpoint(long newerTimeline) {
        Server server = running(ServerRole.REPLICA, TL - 1, AT, Optional.of(B), false).server().orElseThrow();
        return LocalPostgres.running(SYSID, TL - 1, server.withPastSwitchpoint(new LocalPostgres.PastSwitchpoint(newerTimeline, AT - 100, AT)));
    }

    /** A stopped primary's data that the lease reflex stopped while this member led in {@code epoch}. */
    private static LocalPostgres frozen() {
        return running(ServerRole.PRIMARY, TL, AT, Optional.empty(), false).withFrozen(true);
    }

    private static LocalPostgres fenced(long epoch) {
        return LocalPostgres.stopped(SYSID, TL, true).withFencedInEpoch(OptionalLong.of(epoch));
    }

    private static LocalPostgres idleSlots(LocalPostgres running, String... names) {
        return LocalPostgres.running(SYSID, running.timeline(), running.server().orElseThrow().withIdleSlots(List.of(names)));
    }

    private static MachineId id(String machineId) {
        return MachineId.of(machineId);
    }

    private static InetAddress address(String text) {
        return InetAddress.ofLiteral(text);
    }

    private static Arguments row(String situation, Object s, List<Action> actions, String reasonContains) {
        return Arguments.of(situation, s, actions, reasonContains);
    }

    static Stream<Arguments> table() {
        var leader = Situation.healthyLeader();
        var replica = Situation.healthyReplica();
        var leaderless = Situation.leaderless();
        var empty = LocalPostgres.empty();
        var stopped = LocalPostgres.stopped(SYSID, TL, false);
        var tenMinutesAgo = NOW.minusSeconds(600);
        return Stream.of(
                // Data that is not ours is never touched.
                row("a data directory that is not a cluster", leader.local(LocalPostgres.foreign()), List.of(),
                        "not a PostgreSQL cluster"),
                row("a data directory of another cluster", replica.local(LocalPostgres.stopped("999", TL, false)), List.of(),
                        "holds another cluster"),
                row("paused", replica.spec(ClusterSpec.defaults().withPaused(true)).local(stopped), List.of(), "paused"),
                // Paused, a primary that the sidecar's own lease reflex stopped is started again (no operator stopped it).
                row("paused, leading again after fencing my primary", leader.spec(PAUSED).local(fenced(7)), List.of(new StartAsPrimary()),
                        "paused, but my lease reflex stopped my primary while my lease (epoch 7) was in doubt, and I hold the lease (epoch 7): starting it"),
                row("paused, leading with the lease taken back right after the fenced one",
                        leader.spec(PAUSED).leader(new Leader(ME, 8, NOW)).local(fenced(7)), List.of(new StartAsPrimary()),
                        "I hold the lease (epoch 8): starting it"),
                row("paused, leading a lease of long after the fenced one", leader.spec(PAUSED).leader(new Leader(ME, 9, NOW)).local(fenced(7)),
                        List.of(), "paused: observing only"),
                row("paused, a primary stopped by an operator stays down",
                        leader.spec(PAUSED).local(LocalPostgres.stopped(SYSID, TL, true)), List.of(), "paused: observing only"),
                // The fixture's store has handed out epochs up to 8: a member fenced in epoch 8 is the last that led.
                row("paused, fenced and the lease lost: nobody leads nor led since",
                        leader.spec(PAUSED).lease(LeaseState.LOST).noLeader().local(fenced(8)),
                        List.of(new AcquireLease()), "nobody has led since and no member got past my timeline: taking the lease back"),
                row("paused, fenced and the lease lost: someone led since",
                        leader.spec(PAUSED).lease(LeaseState.LOST).noLeader().local(fenced(7)),
                        List.of(), "a lease was handed out since (epoch 8): leaving the cluster to the operator"),
                row("paused, fenced while the lease is in doubt: waits",
                        leader.spec(PAUSED).lease(LeaseState.SUSPENDED).local(fenced(7)), List.of(), "paused: observing only"),
                row("paused, fenced, and an operator failed over to another member",
                        leader.spec(PAUSED).lease(LeaseState.LOST).leader(new Leader(B, 8, NOW)).local(fenced(7)), List.of(), "paused: observing only"),
                row("paused, fenced, and another member runs as primary (promoted by hand)",
                        leader.spec(PAUSED).lease(LeaseState.LOST).noLeader().local(fenced(8))
                                .changing(B, m -> member(B, MemberRole.PRIMARY, MemberState.RUNNING_WITHOUT_LEASE, TL, AT)),
                        List.of(), B + " runs as primary or on a later timeline"),
                row("paused, fenced, and another member's record, stale, on a later timeline",
                        leader.spec(PAUSED).lease(LeaseState.LOST).noLeader().local(fenced(8))
                                .changing(B, m -> new Member(B, "ams", MemberRole.REPLICA, MemberState.STREAMING, TL + 1, AT, AT,
                                        Member.Tags.NONE, 5433, 8008, NOW.minusSeconds(3600))),
                        List.of(), B + " runs as primary or on a later timeline"),
                row("paused, fenced, but my data was not a primary's",
                        leader.spec(PAUSED).lease(LeaseState.LOST).noLeader().local(LocalPostgres.stopped(SYSID, TL, false)
                                .withFencedInEpoch(OptionalLong.of(8))), List.of(), "paused: observing only"),
                row("paused, fenced, in a standby cluster", leader.spec(PAUSED.withStandbyOf(Optional.of(SOURCE))).local(fenced(7)),
                        List.of(), "paused: observing only"),
                row("paused, fenced after a failed rewind: stays down",
                        leader.spec(PAUSED).local(fenced(7).withFailedRewind(Optional.of("x"))), List.of(), "paused: observing only"),
                // Fencing.
                row("primary while another member leads", replica.local(running(ServerRole.PRIMARY, TL, AT, Optional.empty(), false)),
                        List.of(new Demote(Optional.of(id(B)))), B + " holds the lease (epoch 8) but I run as primary"),
                // Frozen, it goes on if the lease is confirmed; demoting it would turn a late answer into a new timeline.
                row("primary whose lease is suspended (the reflex froze it, or it was promoted since)", leader.lease(LeaseState.SUSPENDED),
                        List.of(new ApplyLeaseReflex()), "my lease is in doubt (SUSPENDED) and my primary runs: freezing it"),
                row("primary whose lease is suspended while another member leads", leader.lease(LeaseState.SUSPENDED)
                        .leader(new Leader(B, 9, NOW)), List.of(new Demote(Optional.of(id(B)))), B + " holds the lease (epoch 9)"),
                // Frozen by the lease reflex: the reflex thaws or kills it on the lease's changes; the loop asks again.
                row("frozen primary, lease suspended", leader.lease(LeaseState.SUSPENDED).local(frozen()), List.of(),
                        "my primary is frozen by my lease reflex (the lease is SUSPENDED); it goes on when the store confirms"),
                row("frozen primary, lease confirmed again", leader.local(frozen()), List.of(new ApplyLeaseReflex()),
                        "my primary is frozen by my lease reflex (the lease is HELD); the lease is confirmed again: letting it go on"),
                row("frozen primary, lease lost, nobody leads", leader.lease(LeaseState.LOST).noLeader().local(frozen()),
                        List.of(new ApplyLeaseReflex()), "(the lease is LOST); the lease is lost: stopping it"),
                row("frozen primary, lease lost, another member leads", leader.lease(LeaseState.LOST).leader(new Leader(B, 9, NOW))
                        .local(frozen()), List.of(new ApplyLeaseReflex()), "the lease is lost: stopping it"),
                row("frozen primary, lease lost, paused: fencing is no operator's business",
                        leader.spec(PAUSED).lease(LeaseState.LOST).noLeader().local(frozen()), List.of(new ApplyLeaseReflex()),
                        "the lease is lost: stopping it"),
                row("primary whose lease is lost and nobody leads", leader.lease(LeaseState.LOST).noLeader(), List.of(new Demote(Optional.empty())),
                        "without the lease (LOST)"),
                // The lease ran out by my own deadlines while my store session lived on: my record stands in everyone's way.
                row("demoted, and the store still names me leader from a lost lease",
                        leader.lease(LeaseState.LOST).local(running(ServerRole.REPLICA, TL, AT, Optional.empty(), false)),
                        List.of(new ReleaseStaleLease(new Leader(ME, 7, NOW.minusSeconds(60)))),
                        "the store still names me leader (epoch 7) but my lease is LOST: releasing that record"),
                row("restarted, and the store names me leader from before",
                        leader.lease(LeaseState.NOT_HELD).local(running(ServerRole.REPLICA, TL, AT, Optional.empty(), false)),
                        List.of(new ReleaseStaleLease(new Leader(ME, 7, NOW.minusSeconds(60)))), "but my lease is NOT_HELD"),
                // No data.
                row("bootstrap: I lead an uninitialized cluster", leader.uninitialized().local(empty), List.of(new InitializeCluster()),
                        "initializing it"),
                row("bootstrap: someone else leads an uninitialized cluster", replica.uninitialized().local(empty), List.of(),
                        "waiting for " + B + " to initialize"),
                row("bootstrap: nobody leads, I may not", leaderless.uninitialized().local(empty)
                        .me(member(ME, MemberRole.INITIALIZING, MemberState.NO_DATA, 0, -1)).candidacy(new Candidacy(Optional.of("fra"), false,
                                Duration.ofSeconds(5), Duration.ofSeconds(30))), List.of(), "outside the primary region fra"),
                row("bootstrap: nobody leads", leaderless.uninitialized().local(empty), List.of(new AcquireLease(), new InitializeCluster()),
                        "taking the lease to initialize"),
                row("bootstrap of a restored app: an empty member never makes a new cluster", leaderless.uninitialized().local(empty)
                        .candidacy(new Candidacy(Optional.empty(), false, Duration.ofSeconds(5), Duration.ofSeconds(30), Optional.of("vol_fork1"))),
                        List.of(), "restored from vol_fork1 (FLY_RESTORED_FROM), while my data directory is empty: waiting for the member"),
                row("bootstrap of a restored app: an empty member that took the lease gives it up", leader.uninitialized().local(empty)
                        .candidacy(new Candidacy(Optional.empty(), false, Duration.ofSeconds(5), Duration.ofSeconds(30), Optional.of("vol_fork1"))),
                        List.of(new ReleaseLease()), "giving the lease up to the member that holds the restored data"),
                row("no data but the lease", leader.local(empty), List.of(new ReleaseLease()), "giving the lease up"),
                row("no data, a running leader", replica.local(empty), List.of(new CloneFrom(id(B))), "cloning from the leader " + B),
                row("no data, the leader's server is down", replica.local(empty)
                        .changing(B, m -> member(B, MemberRole.STOPPED, MemberState.STOPPED, TL, AT)), List.of(), "no running leader"),
                row("no data, nobody leads", leaderless.local(empty), List.of(), "no running leader"),
                // Server down.
                row("server down while I lead", leader.local(stopped), List.of(new StartAsPrimary()), "starting it"),
                row("server down while another leads", replica.local(stopped), List.of(new StartAsReplica(Optional.of(id(B)))),
                        "starting it as a replica of " + B),
                row("server down and nobody leads", leaderless.local(stopped), List.of(new StartAsReplica(Optional.empty())),
                        "nobody leads"),
                row("a former primary's server is down while another leads", replica.local(LocalPostgres.stopped(SYSID, TL, true)),
                        List.of(new Rewind(id(B))), "its data was a primary's, while " + B + " leads: rewinding"),
                row("a former primary's server is down and nobody leads", leaderless.local(LocalPostgres.stopped(SYSID, TL, true)),
                        List.of(new StartAsReplica(Optional.empty())), "nobody leads"),
                // An operator's rejoin could not rewind the data: left stopped until the operator re-clones (or rejoins) it.
                row("left stopped after a failed rejoin while another leads", replica.local(stopped.withFailedRewind(Optional.of(
                        "pg_rewind from " + B + " failed"))), List.of(), "left stopped: a rejoin could not rewind its data (pg_rewind from "
                        + B + " failed); `pgmanager reinit " + ME + "`"),
                row("a former primary left stopped after a failed rejoin", replica.local(LocalPostgres.stopped(SYSID, TL, true)
                        .withFailedRewind(Optional.of("pg_rewind failed"))), List.of(), "left stopped"),
                row("left stopped after a failed rejoin and nobody leads", leaderless.local(stopped.withFailedRewind(Optional.of(
                        "pg_rewind failed"))), List.of(), "left stopped"),
                // A standby cluster (standbyOf in the spec): its leader streams from the source and is never promoted.
                row("standby cluster: I lead and stream from the source", leader.spec(STANDBY)
                        .local(running(ServerRole.REPLICA, TL, AT, Optional.empty(), true)),
                        List.of(OTHERS_SLOTS), "I lead a standby cluster (epoch 7), streaming from its source " + SOURCE),
                row("standby cluster: I took over and still follow the old leader", leader.spec(STANDBY)
                        .local(running(ServerRole.REPLICA, TL, AT, Optional.of(B), true)),
                        List.of(new FollowSource(SOURCE, false)), "following its source"),
                row("standby cluster: I lead and my server is down", leader.spec(STANDBY).local(LocalPostgres.stopped(SYSID, TL, false)),
                        List.of(new FollowSource(SOURCE, true)), "starting it as a replica of " + SOURCE),
                row("standby cluster: nobody leads and I am the best candidate", leaderless.spec(STANDBY),
                        List.of(new AcquireLease(), SURVIVOR_SLOTS, new FollowSource(SOURCE, false)), "I am the best candidate"),
                row("standby cluster: the spec says standby but I run as primary", leader.spec(STANDBY), List.of(),
                        "a promoted cluster never follows another primary again"),
                // Leading.
                row("I lead and run a replica", leader.local(running(ServerRole.REPLICA, TL, AT, Optional.empty(), false)),
                        List.of(OTHERS_SLOTS, new Promote()), "promoting"),
                row("I lead and run a replica, a switchover to me pending", leader.local(running(ServerRole.REPLICA, TL, AT, Optional.empty(),
                        false)).handover(Kind.SWITCHOVER, null, ME, NOW), List.of(OTHERS_SLOTS, new Promote(), ClearHandover.completed()), "promoting"),
                row("I lead a cluster with no identity", leader.uninitialized(), List.of(new RecordIdentity()), "recording"),
                row("healthy leader", leader, List.of(new KeepSlots(Set.of(id(B), id(C)))), "I am the leader with the lease, epoch 7"),
                row("switchover request expired", leader.handover(Kind.SWITCHOVER, null, B, tenMinutesAgo),
                        List.of(ClearHandover.cancelled("expired")), "expired"),
                row("switchover to me, done", leader.handover(Kind.SWITCHOVER, null, ME, NOW), List.of(ClearHandover.completed()),
                        "complete"),
                row("switchover naming another leader", leader.handover(Kind.SWITCHOVER, C, B, NOW),
                        List.of(ClearHandover.cancelled("it names " + C + " as the leader, but I lead")), "refusing"),
                row("failover to a member that is gone", leader.without(C).handover(Kind.FAILOVER, null, C, NOW),
                        List.of(ClearHandover.cancelled(C + " is not a live member")), "refusing the failover"),
                row("failover to a live member", leader.handover(Kind.FAILOVER, null, C, NOW), List.of(new HandOver(id(C))),
                        "failover to " + C),
                row("switchover with no healthy replica", leader.without(B).without(C).handover(Kind.SWITCHOVER, null, null, NOW),
                        List.of(ClearHandover.cancelled("no healthy replica to switch over to")), "refusing the switchover"),
                row("switchover to a replica that does not stream", leader.changing(B, m -> member(B, MemberRole.REPLICA, MemberState.RUNNING, TL, AT))
                        .handover(Kind.SWITCHOVER, null, B, NOW), List.of(ClearHandover.cancelled(B + " is not a streaming replica (replica, running)")),
                        "refusing the switchover to " + B),
                row("switchover to a replica that lags", leader.changing(B, m -> member(B, MemberRole.REPLICA, MemberState.STREAMING, TL, 0))
                        .handover(Kind.SWITCHOVER, null, B, NOW), List.of(ClearHandover.cancelled(B + " lags " + AT
                                + " bytes behind (ha.maximum_lag_on_failover allows " + 16 * 1024 * 1024 + ")")), "refusing"),
                row("switchover to the best replica", leader.handover(Kind.SWITCHOVER, ME, null, NOW), List.of(new HandOver(id(B))),
                        "switchover to " + B),
                row("switchover to a named replica", leader.handover(Kind.SWITCHOVER, null, C, NOW), List.of(new HandOver(id(C))),
                        "switchover to " + C),
                // Following.
                row("a new leader", replica.local(running(ServerRole.REPLICA, TL, AT, Optional.of(C), true)),
                        List.of(new Follow(id(B), address(B_ADDRESS))),
                        "following the leader " + B + " (epoch 8) at " + B_ADDRESS + ", was following " + C),
                row("my timeline is ahead of the leader's", replica.local(running(ServerRole.REPLICA, TL + 1, AT, Optional.of(B), false)),
                        List.of(new Rewind(id(B))), "diverged"),
                // An asynchronous replica that received more of the old primary's WAL than the member promoted: PostgreSQL
                // never follows the new timeline, and waiting to see it not stream only delays the rewind.
                row("past where the leader's timeline left mine", replica.local(pastSwitchpoint(TL)), List.of(new Rewind(id(B))),
                        "the leader's timeline " + TL + " left mine at 0/" + Long.toHexString(AT - 100).toUpperCase()
                                + " and I replayed on to 0/" + Long.toHexString(AT).toUpperCase() + ": our histories diverged, rewinding to " + B),
                row("past where a timeline other than the leader's left mine", replica.local(pastSwitchpoint(TL + 1)), List.of(),
                        "following, not yet streaming from the leader " + B),
                row("past where the leader's timeline left mine, its record written before it took the lease", replica
                        .changing(B, m -> new Member(B, "ams", MemberRole.PRIMARY, MemberState.RUNNING, TL, AT, AT, Member.Tags.NONE, 5433,
                                8008, NOW.minusSeconds(6)))
                        .local(pastSwitchpoint(TL)), List.of(), "following, not yet streaming from the leader " + B),
                // Right after a promotion the replica follows the new timeline before the leader's record shows it.
                row("ahead of the leader's record while streaming from it", replica.local(running(ServerRole.REPLICA, TL + 1, AT,
                        Optional.of(B), true)), List.of(), "streaming from the leader"),
                row("ahead of a leader record written before it took the lease", replica
                        .changing(B, m -> new Member(B, "ams", MemberRole.PRIMARY, MemberState.RUNNING, TL, AT, AT, Member.Tags.NONE, 5433,
                                8008, NOW.minusSeconds(6)))
                        .local(running(ServerRole.REPLICA, TL + 1, AT, Optional.of(B), false)), List.of(), "not yet streaming"),
                row("not streaming for long", replica.local(running(ServerRole.REPLICA, TL, AT, Optional.of(B), false))
                        .notStreamingFor(Duration.ofSeconds(20)), List.of(new Rewind(id(B))), "not streaming from " + B + " for 20 s"),
                row("streaming", replica, List.of(), "streaming from the leader " + B),
                // A replica holds no member's slot: a former leader's would keep WAL on its disk for good.
                row("a former leader streaming, with its members' slots", replica.local(idleSlots(replica.local, ME, C, "barman")),
                        List.of(new Action.DropIdleSlots(Set.of(ME, C))),
                        "streaming from the leader " + B + ", epoch 8; dropping the slots " + ME + ", " + C + " I hold as a replica"),
                row("the switchover to me is pinned, the leader still stopping", replica.handover(Kind.SWITCHOVER, B, ME, NOW),
                        List.of(OTHERS_SLOTS), "the switchover to me is under way: creating the others' slots ahead of my promotion"),
                row("a switchover to another member: my idle slots go", replica.local(idleSlots(replica.local, C))
                        .handover(Kind.SWITCHOVER, B, C, NOW), List.of(new Action.DropIdleSlots(Set.of(C))), "dropping the slots " + C),
                row("a failover to me requested while the leader still runs", replica.handover(Kind.FAILOVER, B, ME, NOW),
                        List.of(OTHERS_SLOTS), "the failover to me is under way: creating the others' slots ahead of my promotion"),
                row("an expired switchover to me: the slots made for it go", replica.local(idleSlots(replica.local, B, C))
                        .handover(Kind.SWITCHOVER, B, ME, NOW.minusSeconds(60)), List.of(new Action.DropIdleSlots(Set.of(B, C))),
                        "dropping the slots " + B + ", " + C),
                row("a replica with an operator's slot only", replica.local(idleSlots(replica.local, "barman")), List.of(),
                        "no action: streaming from the leader " + B),
                // The leader moved (a migration): same machine ID, new address.
                row("the leader moved while I stream from its old address", replica.local(following(ServerRole.REPLICA, TL, AT,
                        Optional.of(B), Optional.of(B_OLD_ADDRESS), true)), List.of(new Follow(id(B), address(B_ADDRESS))),
                        "the leader " + B + " moved from " + B_OLD_ADDRESS + " to " + B_ADDRESS + ": re-pointing"),
                row("the leader moved and I no longer stream", replica.local(following(ServerRole.REPLICA, TL, AT,
                        Optional.of(B), Optional.of(B_OLD_ADDRESS), false)).notStreamingFor(Duration.ofSeconds(20)),
                        List.of(new Follow(id(B), address(B_ADDRESS))), "moved from " + B_OLD_ADDRESS + " to " + B_ADDRESS),
                row("the address I follow the leader at is unknown", replica.local(following(ServerRole.REPLICA, TL, AT,
                        Optional.of(B), Optional.empty(), true)), List.of(new Follow(id(B), address(B_ADDRESS))),
                        "the address I follow the leader " + B + " at is unknown: re-pointing at " + B_ADDRESS),
                row("the leader's name does not resolve", replica.resolving(Optional.empty()), List.of(),
                        "the leader " + B + " (epoch 8) does not resolve in DNS"),
                row("the leader's name does not resolve and I follow nobody", replica.resolving(Optional.empty())
                        .local(following(ServerRole.REPLICA, TL, AT, Optional.empty(), Optional.empty(), false)), List.of(),
                        "does not resolve in DNS: waiting for its name to resolve, never guessing an address"),
                row("the leader's name does not resolve while my timeline is ahead", replica.resolving(Optional.empty())
                        .local(running(ServerRole.REPLICA, TL + 1, AT, Optional.of(B), false)), List.of(), "does not resolve"),
                // Nobody leads.
                row("a requested target other than me", leaderless.handover(Kind.SWITCHOVER, B, C, NOW), List.of(),
                        "waiting for " + C + " to take over"),
                row("a requested target that is me", leaderless.handover(Kind.SWITCHOVER, B, ME, NOW),
                        List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote(), ClearHandover.completed()), "switchover to me was requested"),
                row("a requested target that is me, with WAL past where the old leader stopped",
                        leaderless.handover(new HandoverRequest(Kind.SWITCHOVER, B, ME, NOW).withLastLsn(AT - 1)),
                        List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote(), ClearHandover.completed()), "switchover to me was requested"),
                row("a requested target that is me, without the old leader's last record",
                        leaderless.handover(new HandoverRequest(Kind.SWITCHOVER, B, ME, NOW).withLastLsn(AT)),
                        List.of(ClearHandover.cancelled("my WAL ends at " + AT + ", before the last record " + B
                                + " wrote (its shutdown checkpoint at " + AT + "): a failover by rank picks a member that has it")),
                        "refusing the switchover to me: my WAL ends at " + AT),
                row("a forced failover to me, without the old leader's last record: the operator accepted the loss",
                        leaderless.handover(new HandoverRequest(Kind.FAILOVER, B, ME, NOW).withLastLsn(AT)),
                        List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote(), ClearHandover.completed()), "failover to me was requested"),
                row("I may not lead", leaderless.me(new Member(ME, "ams", MemberRole.REPLICA, MemberState.RUNNING, TL, AT, AT,
                        new Member.Tags(true, 0), 5433, 8008, NOW)), List.of(), "tagged nofailover"),
                row("I am the best candidate", leaderless, List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote()), "I am the best candidate"),
                row("a better candidate exists", leaderless.changing(C, m -> member(C, MemberRole.REPLICA, MemberState.RUNNING, TL, AT + 10)),
                        List.of(), "waiting for the better candidate " + C),
                row("a better candidate's record is stale", leaderless.changing(C, m -> new Member(C, "ams", MemberRole.REPLICA, MemberState.RUNNING,
                        TL, AT + 10, AT + 10, Member.Tags.NONE, 5433, 8008, NOW.minusSeconds(60))),
                        List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote()), "I am the best candidate"),
                row("a better candidate outside the primary region", leaderless
                        .changing(C, m -> new Member(C, "syd", MemberRole.REPLICA, MemberState.RUNNING, TL, AT + 10, AT + 10, Member.Tags.NONE, 5433,
                                8008, NOW))
                        .candidacy(new Candidacy(Optional.of("ams"), false, Duration.ofSeconds(5), Duration.ofSeconds(30))),
                        List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote()), "I am the best candidate"),
                row("I lag too far and nobody else may lead", leaderless
                        .changing(C, m -> member(C, MemberRole.REPLICA, MemberState.RUNNING, TL, AT + 100_000_000))
                        .changing(C, m -> new Member(C, "ams", MemberRole.REPLICA, MemberState.RUNNING, TL, AT + 100_000_000, AT + 100_000_000,
                                new Member.Tags(true, 0), 5433, 8008, NOW)),
                        List.of(), "I am excluded (further behind than maximum_lag_on_failover)"));
    }

    /** A {@link Situation} with synchronous replication: the store's record, this member's settings and standbys. */
    private record Synced(Situation base, Optional<SyncState> sync, Replication replication, FailsafeState failsafe,
            List<UnreadableRecord> unreadable) {
        Synced(Situation base, Optional<SyncState> sync, Replication replication, FailsafeState failsafe) {
            this(base, sync, replication, failsafe, List.of());
        }

        static Synced of(Situation base, SynchronousSettings settings) {
            return new Synced(base, Optional.empty(), new Replication(settings, Optional.of(StandbyNames.ASYNCHRONOUS), OptionalLong.of(AT),
                    Map.of(B, standby(AT, "async"), C, standby(AT - 10, "async"))), FailsafeState.NONE);
        }

        Synced recorded(String leader, long epoch, Set<String> standbys, int quorum) {
            return new Synced(base, Optional.of(new SyncState(leader, epoch, standbys, quorum)), replication, failsafe);
        }

        Synced applied(StandbyNames names, Map<String, Replication.Standby> standbys) {
            return new Synced(base, sync, new Replication(replication.settings(), Optional.of(names), OptionalLong.of(AT), standbys),
                    failsafe);
        }

        Synced failsafe(FailsafeState f) {
            return new Synced(base, sync, replication, f);
        }

        /** The same records and server, in another situation. */
        Synced on(Situation situation) {
            return new Synced(situation, sync, replication, failsafe, unreadable);
        }

        /** The store holds {@code part}'s record, owned by {@code owner}, but cannot read it. */
        Synced unreadable(Part part, Owner owner) {
            return new Synced(base, sync, replication, failsafe, List.of(new UnreadableRecord(part, "/pgmanager/test/" + part,
                    UNREADABLE, owner)));
        }

        Observation observe() {
            Observation o = base.observe();
            ClusterSnapshot c = o.cluster();
            var snapshot = new ClusterSnapshot(c.cluster(), c.spec(), c.identity(), c.members(), c.leader(), c.lastEpoch(), sync,
                    c.history(), c.handover(), unreadable);
            return o.toBuilder().cluster(snapshot).replication(replication).failsafe(failsafe).build();
        }
    }

    private static Replication.Standby standby(long flushed, String syncState) {
        return new Replication.Standby("streaming", OptionalLong.of(flushed), syncState);
    }

    private static Member tagged(String id, Member.Tags tags) {
        return new Member(id, "ams", MemberRole.REPLICA, MemberState.STREAMING, TL, AT, AT, tags, 5433, 8008, NOW.minusMillis(500));
    }

    static Stream<Arguments> synchronousTable() {
        var on = new SynchronousSettings(SynchronousMode.ON, 1, false);
        var strict = new SynchronousSettings(SynchronousMode.ON, 1, true);
        var quorum = new SynchronousSettings(SynchronousMode.QUORUM, 1, false);
        var leader = Synced.of(Situation.healthyLeader(), on);
        var slots = OTHERS_SLOTS;
        var firstB = StandbyNames.first(List.of(B));
        var firstC = StandbyNames.first(List.of(C));
        var bConfirms = Map.of(B, standby(AT, "sync"), C, standby(AT - 10, "async"));
        var bBehind = Map.of(B, standby(AT - 1, "sync"), C, standby(AT - 10, "async"));
        var leaderless = Synced.of(Situation.leaderless(), on);
        var noStandbys = leader.base().without(B).without(C);
        return Stream.of(
                // The leader: widen the record, then change the server, then narrow the record.
                row("sync on, no standby set yet: record first, then set it", leader,
                        List.of(slots, new WriteSyncState(Set.of(B), 0), new SetStandbyNames(firstB)),
                        "recording [" + B + "] (every acknowledged write on at least 0 of them) before setting"),
                row("the new standby confirms commits past the change: record it alone", leader.applied(firstB, bConfirms)
                        .recorded(ME, 7, Set.of(B), 0), List.of(slots, new WriteSyncState(Set.of(B), 1)), "confirm commits"),
                row("the new standby has not caught up with the change: wait", leader.applied(firstB, bBehind)
                        .recorded(ME, 7, Set.of(B), 0), List.of(slots), "waiting for 1 of [" + B + "]"),
                row("in sync", leader.applied(firstB, bConfirms).recorded(ME, 7, Set.of(B), 1), List.of(slots),
                        "no action: I am the leader with the lease, epoch 7, synchronous standbys FIRST 1 (\"" + B + "\")"),
                row("the synchronous standby stops streaming: the record names both before the server switches",
                        new Synced(leader.base().changing(B, m -> member(B, MemberRole.REPLICA, MemberState.RUNNING, TL, AT)), Optional.empty(),
                                leader.replication(), FailsafeState.NONE).applied(firstB, bConfirms).recorded(ME, 7, Set.of(B), 1),
                        List.of(slots, new WriteSyncState(Set.of(B, C), 1), new SetStandbyNames(firstC)), "before setting"),
                row("a member tagged nosync is never synchronous", new Synced(leader.base().changing(B, m -> tagged(B,
                        new Member.Tags(false, 0, true))), Optional.empty(), leader.replication(), FailsafeState.NONE),
                        List.of(slots, new WriteSyncState(Set.of(C), 0), new SetStandbyNames(firstC)), "before setting"),
                row("quorum mode: ANY k of every eligible standby", Synced.of(Situation.healthyLeader(), quorum),
                        List.of(slots, new WriteSyncState(Set.of(B, C), 0), new SetStandbyNames(StandbyNames.any(1, List.of(B, C)))),
                        "ANY 1 (\"" + B + "\", \"" + C + "\")"),
                row("no standby left, not strict: the record says so before the server stops waiting",
                        new Synced(noStandbys, Optional.empty(), leader.replication(), FailsafeState.NONE).applied(firstB, Map.of())
                                .recorded(ME, 7, Set.of(B), 1),
                        List.of(new KeepSlots(Set.of()), new WriteSyncState(Set.of(B), 0), new SetStandbyNames(StandbyNames.ASYNCHRONOUS)),
                        "at least 0 of them"),
                row("no standby left, strict: commits wait for a standby to come",
                        new Synced(noStandbys, Optional.empty(), Replication.configured(strict), FailsafeState.NONE).applied(firstB, Map.of())
                                .recorded(ME, 7, Set.of(B), 1),
                        List.of(new KeepSlots(Set.of()), new WriteSyncState(Set.of(B), 0), new SetStandbyNames(StandbyNames.BLOCKING)),
                        "no-synchronous-standby"),
                row("synchronous mode turned off: the server first, then the record",
                        Synced.of(Situation.healthyLeader(), SynchronousSettings.OFF).applied(firstB, bConfirms).recorded(ME, 7, Set.of(B), 1),
                        List.of(slots, new SetStandbyNames(StandbyNames.ASYNCHRONOUS), new ClearSyncState()), "synchronous replication is off"),
                row("switchover to a member that is not synchronous", new Synced(leader.base().handover(Kind.SWITCHOVER, null, C, NOW),
                        Optional.empty(), leader.replication(), FailsafeState.NONE).applied(firstB, bConfirms).recorded(ME, 7, Set.of(B), 1),
                        List.of(ClearHandover.cancelled(C + " is not a synchronous standby (the synchronous set is [" + B + "]): wait until it "
                                + "is one, or choose one of them")), "refusing the switchover to " + C),
                // Failover: only a recorded synchronous standby (or the leader that wrote the record), heard from enough.
                row("the record names the less advanced member: only it may be promoted", leaderless.recorded(B, 8, Set.of(C), 1),
                        List.of(), "waiting for the better candidate " + C),
                row("the record names me: I promote, recording myself as the only holder first",
                        leaderless.recorded(B, 8, Set.of(ME), 1),
                        List.of(new AcquireLease(), new WriteSyncState(Set.of(), 0), SURVIVOR_SLOTS, new Promote()), "I am the best candidate"),
                row("strict: the new primary starts waiting for a standby", new Synced(Situation.leaderless(), Optional.empty(),
                        new Replication(strict, Optional.of(StandbyNames.ASYNCHRONOUS), OptionalLong.of(AT), Map.of()), FailsafeState.NONE)
                        .recorded(B, 8, Set.of(ME), 1),
                        List.of(new AcquireLease(), new WriteSyncState(Set.of(), 0), new SetStandbyNames(StandbyNames.BLOCKING), SURVIVOR_SLOTS, new Promote()),
                        "I am the best candidate"),
                row("the last leader had no synchronous standby: only it may take over", leaderless.recorded(B, 8, Set.of(), 0),
                        List.of(), "only it may take over"),
                row("the last leader had named a standby it did not wait for yet (quorum 0): that standby waits for it, so it "
                                + "takes over even when the standby ranks first (found by bench chaos: neither took over)",
                        leaderless.on(Situation.leaderless().changing(C, m -> member(C, MemberRole.REPLICA, MemberState.RUNNING, TL, AT + 10)))
                                .recorded(ME, 8, Set.of(C), 0),
                        List.of(new AcquireLease(), new WriteSyncState(Set.of(), 0), SURVIVOR_SLOTS, new Promote()), "I am the best candidate"),
                row("... and that standby waits for it", leaderless.recorded(B, 8, Set.of(ME), 0), List.of(), "only it may take over"),
                row("quorum: not enough synchronous standbys heard from", leaderless.recorded(B, 8, Set.of(ME, "dddd0000000004"), 1),
                        List.of(), "waiting to hear from 2 of the synchronous standbys"),
                row("quorum: enough heard, the most advanced of them is promoted", leaderless.recorded(B, 8, Set.of(ME, C), 1),
                        List.of(new AcquireLease(), new WriteSyncState(Set.of(), 0), SURVIVOR_SLOTS, new Promote()), "I am the best candidate"),
                // Failsafe mode.
                row("the store is back after a failsafe period: the primary takes its lease again",
                        Synced.of(Situation.healthyLeader().lease(LeaseState.LOST).noLeader(), SynchronousSettings.OFF)
                                .failsafe(new FailsafeState(Optional.empty(), true)),
                        List.of(new AcquireLease()), "taking the lease again"),
                row("without failsafe confirmations a primary without the lease demotes",
                        Synced.of(Situation.healthyLeader().lease(LeaseState.LOST).noLeader(), SynchronousSettings.OFF),
                        List.of(new Demote(Optional.empty())), "without the lease (LOST)"),
                row("a replica that promised the leader to follow it does not take the lease",
                        leaderless.failsafe(new FailsafeState(Optional.of(id(B)), false)), List.of(),
                        "confirmed to " + B));
    }

    private static final String UNREADABLE = "not valid JSON";

    static Stream<Arguments> unreadableTable() {
        var on = new SynchronousSettings(SynchronousMode.ON, 1, false);
        var replica = Synced.of(Situation.healthyReplica().noLeader(), SynchronousSettings.OFF);
        var leaderless = Synced.of(Situation.leaderless(), SynchronousSettings.OFF);
        var leader = Synced.of(Situation.healthyLeader(), SynchronousSettings.OFF);
        var pausedAfterFencing = Synced.of(Situation.healthyLeader().spec(PAUSED).lease(LeaseState.LOST).noLeader().local(fenced(8)),
                SynchronousSettings.OFF);
        return Stream.of(
                row("paused, fenced in the last epoch, the leader record unreadable", pausedAfterFencing.unreadable(Part.LEADER, Owner.NONE),
                        List.of(), "paused: observing only"),
                row("paused, fenced in the last epoch, a member record unreadable", pausedAfterFencing.unreadable(Part.MEMBER, Owner.ANOTHER_SESSION),
                        List.of(), "paused: observing only"),
                // The leader record: nobody can take the lease while it exists, nobody can follow it.
                row("an unreadable leader record of my session, my server a replica", replica.unreadable(Part.LEADER, Owner.THIS_SESSION),
                        List.of(new RemoveUnreadableLeader()), "the leader record is unreadable (" + UNREADABLE + ") and it is my "
                                + "session's: removing it"),
                row("an unreadable leader record of another session", replica.unreadable(Part.LEADER, Owner.ANOTHER_SESSION), List.of(),
                        "waiting for the member whose session holds it to remove it"),
                row("an unreadable persistent leader record while a member runs as primary", leaderless
                        .unreadable(Part.LEADER, Owner.NONE).on(Situation.leaderless()
                                .changing(C, m -> member(C, MemberRole.PRIMARY, MemberState.RUNNING, TL, AT))), List.of(),
                        "waiting for " + C + ", which runs as primary, to stop writes"),
                row("an unreadable persistent leader record and no primary", leaderless.unreadable(Part.LEADER, Owner.NONE),
                        List.of(new RemoveUnreadableLeader()), "no session holds it: removing it"),
                row("my lease's record turned unreadable while I run as primary: I stop writes first",
                        leader.unreadable(Part.LEADER, Owner.THIS_SESSION).on(Situation.healthyLeader().noLeader()),
                        List.of(new Demote(Optional.empty())), "I run as primary without the lease"),
                // A switchover or failover request.
                row("an unreadable hand-over request: the leader removes it", leader.unreadable(Part.HANDOVER, Owner.NONE),
                        List.of(ClearHandover.cancelled("the request is unreadable (" + UNREADABLE + ")")), "removing a switchover"),
                row("an unreadable hand-over request is not a replica's to remove", Synced.of(Situation.healthyReplica(),
                        SynchronousSettings.OFF).unreadable(Part.HANDOVER, Owner.NONE), List.of(), "streaming from the leader"),
                // The synchronous record.
                row("synchronous mode, no leader, an unreadable synchronous record: nobody is promoted", Synced.of(Situation.leaderless(), on)
                        .unreadable(Part.SYNC, Owner.NONE), List.of(), "the synchronous record is unreadable (" + UNREADABLE + ")"),
                row("asynchronous mode, no leader, an unreadable synchronous record: it means nothing",
                        leaderless.unreadable(Part.SYNC, Owner.NONE), List.of(new AcquireLease(), SURVIVOR_SLOTS, new Promote()),
                        "I am the best candidate"),
                row("asynchronous mode: the leader clears an unreadable synchronous record", leader.unreadable(Part.SYNC, Owner.NONE),
                        List.of(OTHERS_SLOTS, new ClearSyncState()), "synchronous replication is off"),
                // Whatever else cannot be read, the leader goes on leading.
                row("an unreadable history entry", leader.unreadable(Part.HISTORY, Owner.NONE),
                        List.of(OTHERS_SLOTS), "I am the leader with the lease"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableTable")
    void decidesWithUnreadableRecords(String situation, Synced s, List<Action> expected, String reasonContains) {
        assertDecides(situation, s.observe(), expected, reasonContains);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("synchronousTable")
    void decidesSynchronousReplication(String situation, Synced s, List<Action> expected, String reasonContains) {
        assertDecides(situation, s.observe(), expected, reasonContains);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String situation, Situation s, List<Action> expected, String reasonContains) {
        assertDecides(situation, s.observe(), expected, reasonContains);
    }

    private static void assertDecides(String situation, Observation o, List<Action> expected, String reasonContains) {
        Decision decision = new Decider().decide(o);
        assertEquals(expected, decision.actions(), situation + ": " + decision.reason());
        assertTrue(decision.reason().contains(reasonContains),
                situation + ": reason was '" + decision.reason() + "', expected it to contain '" + reasonContains + "'");
    }
}
