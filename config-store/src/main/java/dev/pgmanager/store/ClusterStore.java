package dev.pgmanager.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The cluster's shared state, as a few primitives over immutable records.
 *
 * <p>Every method either succeeds, or throws a {@link StoreException} that says what went wrong and where;
 * none of them ever treats unreadable data as absent. Members are keyed by machine ID and no record holds
 * a network address, except the address history ({@link #recordAddress}), which is kept apart and never used to
 * connect.
 */
public interface ClusterStore extends AutoCloseable {

    /** The name of the cluster this store serves (one store may hold several clusters side by side). */
    String clusterName();

    /** Everything the control loop needs, read in one call. */
    ClusterSnapshot read();

    /** Creates or replaces this member's record. It lives as long as this store's session. */
    void touchMember(Member member);

    /**
     * Tries to take the leader lease for {@code machineId} with the next epoch.
     *
     * @return the lease when it was taken, empty when someone else holds it
     */
    Optional<Leader> tryAcquireLeadership(String machineId);

    /**
     * Asks the store, with a round trip, whether {@code lease} is still held by this session. A {@code true}
     * answer proves the session was alive when this call started, so the lease cannot expire on the server
     * before the call's start plus {@link #sessionTimeout()}.
     */
    boolean confirmLeadership(Leader lease);

    /**
     * As {@link #confirmLeadership(Leader)}, without waiting: the answer arrives when the store gives it, however late
     * ({@code false} when the store cannot be asked, or gives no answer within a session timeout). A late {@code true}
     * still proves the session alive when the question was asked, so a holder that asks again before the last answer
     * came loses no time to one slow round trip.
     */
    CompletableFuture<Boolean> askLeadership(Leader lease);

    /** Gives the lease up, if this session still holds it. */
    void releaseLeadership(Leader lease);

    /**
     * Writes the synchronous-replication state, only while {@code lease} is held (fenced in the same
     * transaction).
     *
     * @throws NotLeaderException when the lease is no longer held by this session
     */
    void writeSyncState(Leader lease, SyncState state);

    /**
     * Removes the synchronous-replication state (a leader that runs asynchronously), only while {@code lease} is held.
     *
     * @throws NotLeaderException when the lease is no longer held by this session
     */
    void clearSyncState(Leader lease);

    /**
     * Replaces the spec if its current version is {@code expectedVersion} ({@link Versioned#ABSENT} when
     * there is no spec yet).
     *
     * @return the spec as stored, with its new version
     * @throws StaleVersionException when the spec changed since {@code expectedVersion} was read
     */
    Versioned<ClusterSpec> compareAndSetSpec(ClusterSpec spec, int expectedVersion);

    /**
     * Records who created the cluster's data. Only the first call for a cluster succeeds.
     *
     * @return true when this call claimed the initialization
     */
    boolean initialize(ClusterIdentity identity);

    /** Appends an entry to the cluster's history. */
    void appendHistory(HistoryEntry entry);

    /**
     * Files a switchover or failover request.
     *
     * @return false when another request is already pending
     */
    boolean requestHandover(HandoverRequest request);

    /**
     * Rewrites the pending request in one write, so that it never disappears meanwhile (a stopping leader waiting for
     * its hand-over reads "no request" as "refused"); files it when none is pending.
     */
    void replaceHandover(HandoverRequest request);

    /** Removes the pending switchover or failover request, if any. */
    void clearHandover();

    /**
     * Removes the leader record if it cannot be read and is this session's, or nobody's (a persistent record where
     * only a session's lease belongs): its owner is the only one who can end it, and until someone does, nobody can
     * take the lease.
     *
     * @return true when this call removed it
     */
    boolean removeUnreadableLeader();

    /**
     * Notes that {@code machineId} has {@code address} now, in its address history (kept apart from the cluster's
     * state: the control loop never reads it, and nothing connects to an address found there). The newest entry's
     * {@code last_seen} is refreshed when the address is unchanged; a new address gets a new entry. At most
     * {@link AddressHistory#KEPT} entries are kept per machine.
     */
    void recordAddress(String machineId, String address, Instant now);

    /** Every machine's address history, oldest entry first; for diagnostics and the stale-address rewriter only. */
    Map<String, List<AddressRecord>> readAddressHistory();

    /**
     * Calls {@code onChange} after any change to the cluster's state, saying which part changed (coalescing bursts
     * is allowed).
     *
     * @return closing it stops the calls
     */
    AutoCloseable watch(Consumer<StoreChange> onChange);

    /** Reports this store's connection state as it changes. */
    void addConnectionListener(Consumer<StoreConnectionState> listener);

    /** How long the server keeps this session (and its lease and member record) without hearing from us. */
    Duration sessionTimeout();

    @Override
    void close();
}
