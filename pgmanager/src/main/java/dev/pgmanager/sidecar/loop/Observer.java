package dev.pgmanager.sidecar.loop;

import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.election.LeaderLease;
import dev.pgmanager.election.LeaseState;
import dev.pgmanager.ha.Candidacy;
import dev.pgmanager.ha.FailsafeState;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.ha.SynchronousSettings;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.sidecar.migration.AddressHistoryKeeper;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.UnreadableRecord;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the snapshot one pass decides on: the store, the local server, the lease, and the little the loop must
 * remember between passes (since when a replica has not streamed). Publishes this member's record on the way, so
 * the store always shows what this member last saw of itself (and, at most once a minute, that its address is unchanged).
 */
public final class Observer {
    private static final Logger log = LoggerFactory.getLogger(Observer.class);

    private final ClusterStore store;
    private final LocalServer server;
    private final LeaderLease lease;
    private final MemberRecords records;
    private final Candidacy candidacy;
    private final AddressResolver resolver;
    private final Optional<AddressHistoryKeeper> addressHistory;
    private final Clock clock;
    private final SynchronousSettings synchronous;
    private final Supplier<FailsafeState> failsafe;
    /** Brings the server in line with the lease as it stands now (the lease reflex's own step). */
    private final Runnable leaseReflex;
    private final AtomicReference<Observation> last = new AtomicReference<>();
    private Instant notStreamingSince;
    private long notStreamingPostmaster;
    private List<UnreadableRecord> unreadableSeen = List.of();

    public Observer(ClusterStore store, LocalServer server, LeaderLease lease, MemberRecords records, Candidacy candidacy,
            AddressResolver resolver, Optional<AddressHistoryKeeper> addressHistory, SynchronousSettings synchronous,
            Supplier<FailsafeState> failsafe, Runnable leaseReflex, Clock clock) {
        this.leaseReflex = leaseReflex;
        this.store = store;
        this.server = server;
        this.lease = lease;
        this.records = records;
        this.candidacy = candidacy;
        this.resolver = resolver;
        this.addressHistory = addressHistory;
        this.clock = clock;
        this.synchronous = synchronous;
        this.failsafe = failsafe;
    }

    Observation observe() {
        LocalPostgres local = server.observe();
        if (local.isPrimary() && !local.frozen() && !lease.isHeld()) {
            // Before any store I/O, which may be what fails: a primary whose lease is not held (a promotion or start that
            // ended after the lease came into doubt, which the reflex found no primary yet) is fenced now.
            leaseReflex.run();
            local = server.observe();
        }
        Instant now = clock.instant();
        Member me = records.describe(local, lease.isHeld(), now);
        records.publish(me);
        addressHistory.ifPresent(history -> history.refresh(now));
        ClusterSnapshot cluster = store.read();
        noticeUnreadable(cluster);
        Optional<Leader> held = lease.held();
        LeaseState leaseState = lease.state();
        // Past its deadline, not yet moved by the lease's own check (every 50 ms): in doubt, as it is about to say. Taken
        // as held-but-not-leading, a moment's doubt demoted a healthy primary.
        if (leaseState == LeaseState.HELD && held.isEmpty()) leaseState = LeaseState.SUSPENDED;
        Observation observation = Observation.of(me, now, cluster, local, candidacy)
                .lease(leaseState, held)
                .slotHolders(cluster.members().keySet().stream().map(MachineId::of).collect(Collectors.toSet()))
                .notStreamingFor(notStreamingFor(local, now))
                .leaderAddress(leaderAddress(cluster, me))
                .replication(server.replication(synchronous))
                .failsafe(failsafe.get())
                .build();
        last.set(observation);
        return observation;
    }

    Optional<Observation> lastObservation() {
        return Optional.ofNullable(last.get());
    }

    /**
     * Where the other member that leads is now: looked up once every pass (the resolver caches within the TTL); the
     * pass decides on this address and a follower connects to it.
     */
    private Optional<InetAddress> leaderAddress(ClusterSnapshot cluster, Member me) {
        return cluster.leader()
                .filter(l -> !l.machineId().equals(me.machineId()))
                .flatMap(l -> resolver.resolve(MachineId.of(l.machineId())));
    }

    /**
     * How long the replica has run without streaming, counted from its server's last start: a rewind restarts it, and
     * a WAL receiver needs a moment to stream again. Counted across restarts, a replica that a rewind could not help (an
     * upstream pinned by hand) was rewound and restarted five times a second, 600 times in one CI run.
     */
    private Duration notStreamingFor(LocalPostgres local, Instant now) {
        if (!local.isReplica() || local.streaming()) {
            notStreamingSince = null;
            return Duration.ZERO;
        }
        long postmaster = server.postmasterPid().orElse(-1);
        if (notStreamingSince == null || postmaster != notStreamingPostmaster) {
            notStreamingSince = now;
            notStreamingPostmaster = postmaster;
        }
        return Duration.between(notStreamingSince, now);
    }

    /**
     * Says once per change which records the store holds but cannot read (the pass goes on without them), and has this
     * member's own record written again at once if it is one of them.
     */
    private void noticeUnreadable(ClusterSnapshot cluster) {
        List<UnreadableRecord> unreadable = cluster.unreadable();
        if (unreadable.equals(unreadableSeen)) return;
        unreadableSeen = unreadable;
        if (unreadable.isEmpty()) {
            log.info("every record in the store is readable again");
            return;
        }
        log.warn("the store holds records that cannot be read; deciding without them (pgmanager store repair --dry-run "
                + "shows what it would do): {}", unreadable.stream().map(UnreadableRecord::problem).toList());
        if (unreadable.stream().anyMatch(r -> r.part() == UnreadableRecord.Part.MEMBER && r.owner() == UnreadableRecord.Owner.THIS_SESSION)) {
            records.publishAgain();
        }
    }
}
