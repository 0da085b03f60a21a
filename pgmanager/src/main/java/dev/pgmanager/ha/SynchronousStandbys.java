package dev.pgmanager.ha;

import dev.pgmanager.ha.Action.ClearSyncState;
import dev.pgmanager.ha.Action.SetStandbyNames;
import dev.pgmanager.ha.Action.WriteSyncState;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.SyncState;
import dev.pgmanager.store.UnreadableRecord;
import dev.pgmanager.store.UnreadableRecord.Part;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@link Decider}'s rules for synchronous replication (pure, like it): which standbys the leader makes
 * synchronous, in which order it changes the server and the store's record, and whom a failover may promote.
 *
 * <p><b>The invariant.</b> The store's {@link SyncState} says: every acknowledged write is on at least {@code quorum}
 * of {@code standbys}. A failover that hears from {@code standbys - quorum + 1} of them and promotes the most
 * advanced therefore loses nothing. The record must hold for every commit the server may acknowledge, both under the
 * {@code synchronous_standby_names} it had and under the one it gets (a reload reaches the server's processes at
 * slightly different moments, and commits in flight wait under either).
 *
 * <p><b>The order of a change</b> from the server's current value P (k_P of its standbys) to the wanted W (k_W):
 * <ol>
 * <li>First widen the record to P ∪ W with quorum min(k_P, k_W): every commit acknowledged under P is on k_P members
 * of P, every one under W on k_W members of W, so the widened record is true for both. (Patroni instead sets the
 * server first and records the new standby once it is synchronous; then, while a standby is swapped, the store names
 * only the old one although the new one alone confirms commits: a failover in that gap promotes the old one and loses
 * them. Widening first closes the gap.)</li>
 * <li>Then set the server to W and note its WAL position L.</li>
 * <li>Narrow the record to W only once k_W members of W confirm commits and have flushed past L: they then hold every
 * commit acknowledged before the change too (WAL is one sequence). A standby newly added therefore counts only after
 * it caught up, and one removed stays in the record until the server no longer waits for it.</li>
 * </ol>
 * Going without a standby follows the same steps: the record becomes quorum 0 (only the leader holds every write)
 * before the server stops waiting, so without {@code synchronous_mode_strict} the leader falls back to asynchronous
 * replication only after the store says so and a failover knows not to trust any standby. With strict mode the
 * server waits for a placeholder standby instead: writes block until a real one returns.
 */
final class SynchronousStandbys {

    private SynchronousStandbys() {}

    /** The leader's next step in managing its synchronous standbys, or empty when server and record are as wanted. */
    static Optional<Decision> manage(Observation o, long epoch) {
        Replication replication = o.replication();
        Optional<SyncState> recorded = o.cluster().sync();
        if (!replication.settings().enabled()) {
            List<Action> actions = new ArrayList<>();
            if (!replication.applied().equals(Optional.of(StandbyNames.ASYNCHRONOUS))) {
                actions.add(new SetStandbyNames(StandbyNames.ASYNCHRONOUS));
            }
            // After the server stops waiting: until then the record still describes what it acknowledges.
            if (recorded.isPresent() || o.cluster().unreadable(Part.SYNC).isPresent()) actions.add(new ClearSyncState());
            if (actions.isEmpty()) return Optional.empty();
            return Optional.of(new Decision(actions, "synchronous replication is off: clearing synchronous_standby_names and "
                    + "the store's synchronous set"));
        }
        StandbyNames wanted = wanted(o);
        Set<String> wantedSet = new TreeSet<>(wanted.standbys());
        SyncState current = ownRecord(o, recorded);
        if (!replication.applied().equals(Optional.of(wanted))) {
            StandbyNames applied = replication.applied().orElse(StandbyNames.ASYNCHRONOUS);
            Set<String> widened = new TreeSet<>(current.synchronousStandbys());
            widened.addAll(applied.standbys());
            widened.addAll(wantedSet);
            int quorum = Math.min(current.quorum(), Math.min(guaranteed(applied), guaranteed(wanted)));
            List<Action> actions = new ArrayList<>();
            if (!matches(recorded, o.id().value(), epoch, widened, quorum)) actions.add(new WriteSyncState(widened, quorum));
            actions.add(new SetStandbyNames(wanted));
            return Optional.of(new Decision(actions, "synchronous standbys: recording " + widened + " (every acknowledged write on at "
                    + "least " + quorum + " of them) before setting synchronous_standby_names to " + wanted));
        }
        if (matches(recorded, o.id().value(), epoch, wantedSet, guaranteed(wanted))) return Optional.empty();
        long confirming = wantedSet.stream()
                .filter(id -> Optional.ofNullable(replication.standbys().get(id))
                        .filter(s -> s.confirmsCommits() && s.flushedUpTo(replication.appliedAt()))
                        .isPresent())
                .count();
        if (confirming < guaranteed(wanted)) {
            return Optional.of(Decision.none("synchronous standbys: waiting for " + guaranteed(wanted) + " of " + wantedSet
                    + " to confirm commits past the change to " + wanted + " before recording them alone (" + confirming + " do)"));
        }
        return Optional.of(Decision.of("synchronous standbys: " + wantedSet + " confirm commits; recording them as the synchronous "
                + "set (every acknowledged write on at least " + guaranteed(wanted) + ")", new WriteSyncState(wantedSet, guaranteed(wanted))));
    }

    /**
     * What a member about to promote sets first, in synchronous mode: the record names it alone (quorum 0: only it
     * holds every write it will acknowledge, until it has standbys), and its server, whose configuration may have been
     * copied from a primary that waited for it, starts out waiting for nobody or, in strict mode, for a standby to come.
     */
    static List<Action> beforePromotion(Observation o) {
        Replication replication = o.replication();
        List<Action> actions = new ArrayList<>();
        StandbyNames initial = replication.settings().enabled() && replication.settings().strict()
                ? StandbyNames.BLOCKING : StandbyNames.ASYNCHRONOUS;
        if (replication.settings().enabled()) actions.add(new WriteSyncState(Set.of(), 0));
        if (!replication.applied().equals(Optional.of(initial))) actions.add(new SetStandbyNames(initial));
        return actions;
    }

    /**
     * Who may be promoted under {@code sync}: the leader that wrote it (it holds every write) and, unless the record says
     * that none of them surely holds every acknowledged write (quorum 0: standbys named before the leader waits for them),
     * its standbys. Naming them there let the leader, back after a crash, wait for a better-ranked standby that itself
     * waited for the leader: nobody took over.
     */
    static Set<String> promotable(SyncState sync) {
        Set<String> ids = new HashSet<>(sync.quorum() == 0 ? Set.of() : sync.synchronousStandbys());
        ids.add(sync.leader());
        return ids;
    }

    /**
     * Why a failover must wait: the last leader's record requires hearing from enough of its synchronous standbys that
     * one of them surely holds every acknowledged write. The leader that wrote the record needs no witness.
     */
    static Optional<String> whyNotEnoughWitnesses(Observation o, List<Member> liveReplicas) {
        Optional<UnreadableRecord> unreadable = o.cluster().unreadable(Part.SYNC);
        if (unreadable.isPresent() && o.replication().settings().enabled()) {
            // It may name the only members that hold every acknowledged write: promoting any other could lose them.
            return Optional.of("no leader, and the synchronous record is unreadable (" + unreadable.get().problem() + "): it may "
                    + "name the only members holding every acknowledged write, so nobody is promoted by the cluster itself; "
                    + "repair it (pgmanager store repair) or force one (pgmanager failover --to ID --force)");
        }
        Optional<SyncState> sync = o.cluster().sync();
        if (sync.isEmpty() || sync.get().leader().equals(o.id().value())) return Optional.empty();
        SyncState s = sync.get();
        if (s.quorum() == 0) {
            return Optional.of("no leader, and the last leader " + s.leader() + " recorded no synchronous standby holding every "
                    + "acknowledged write: only it may take over (an operator may force one: pgmanager failover --to ID, "
                    + "losing what only " + s.leader() + " had)");
        }
        Set<String> heard = new TreeSet<>();
        liveReplicas.stream().map(Member::machineId).filter(s.synchronousStandbys()::contains).forEach(heard::add);
        if (s.synchronousStandbys().contains(o.id().value())) heard.add(o.id().value());
        if (heard.size() >= s.witnessesNeeded()) return Optional.empty();
        return Optional.of("no leader: waiting to hear from " + s.witnessesNeeded() + " of the synchronous standbys "
                + s.synchronousStandbys() + " (heard from " + heard + "), so as not to promote one that lacks acknowledged writes");
    }

    /** The end of the leader's "no action" sentence: what its commits wait for. */
    static String describe(Observation o) {
        if (!o.replication().settings().enabled()) return "";
        return ", synchronous standbys " + o.replication().applied().map(StandbyNames::toString).orElse("unknown");
    }

    /**
     * The standbys the leader wants synchronous: streaming from it on its timeline, promotable (a synchronous standby
     * that may not lead would stall failover), and not tagged nosync. In {@code on} mode the first
     * {@code synchronous_node_count} of them, keeping those that are synchronous already; in {@code quorum} mode all,
     * any {@code synchronous_node_count} of which confirm a commit.
     */
    private static StandbyNames wanted(Observation o) {
        Replication replication = o.replication();
        Set<String> current = new HashSet<>(replication.applied().map(StandbyNames::standbys).orElse(List.of()));
        List<Member> eligible = o.cluster().membersExcept(o.id().value()).values().stream()
                .filter(o::isFresh)
                .filter(m -> m.role() == MemberRole.REPLICA && m.state() == MemberState.STREAMING)
                .filter(m -> !m.tags().noSync() && o.candidacy().mayLead(m))
                .filter(m -> m.timeline() == o.local().timeline())
                .filter(m -> Optional.ofNullable(replication.standbys().get(m.machineId()))
                        .map(Replication.Standby::streaming).orElse(false))
                .sorted(Comparator.comparing((Member m) -> !current.contains(m.machineId()))
                        .thenComparing(Comparator.comparingLong(Member::receivedPosition).reversed())
                        .thenComparing(Member::machineId))
                .toList();
        if (eligible.isEmpty()) return replication.settings().strict() ? StandbyNames.BLOCKING : StandbyNames.ASYNCHRONOUS;
        int count = Math.min(replication.settings().nodeCount(), eligible.size());
        List<String> ids = eligible.stream().map(Member::machineId).toList();
        return switch (replication.settings().mode()) {
            case ON -> StandbyNames.first(ids.subList(0, count));
            case QUORUM -> StandbyNames.any(count, ids.stream().sorted().toList());
            case OFF -> StandbyNames.ASYNCHRONOUS;
        };
    }

    /** How many of its standbys hold every commit the server acknowledges under {@code names}. */
    private static int guaranteed(StandbyNames names) {
        return names.blocking() ? 0 : names.count();
    }

    /** The store's record when this leader wrote it; otherwise (none, or a former leader's) one that promises nothing. */
    private static SyncState ownRecord(Observation o, Optional<SyncState> recorded) {
        return recorded.filter(s -> s.leader().equals(o.id().value())).orElse(new SyncState(o.id().value(), 0, Set.of(), 0));
    }

    private static boolean matches(Optional<SyncState> recorded, String me, long epoch, Set<String> standbys, int quorum) {
        return recorded.map(s -> s.leader().equals(me) && s.epoch() == epoch && s.synchronousStandbys().equals(standbys)
                && s.quorum() == quorum).orElse(false);
    }
}
