package dev.pgmanager.election;

import dev.pgmanager.realtime.RealTimeThreads;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.StoreConnectionState;
import dev.pgmanager.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's hold on the leader lease.
 *
 * <p>The lease is the store's ephemeral leader record: it lives as long as this member's store session, and the
 * server expires that session a session timeout after it last heard from us. So the holder counts from the start
 * of its last successful confirmation: past half a session timeout without a new one it reports
 * {@link LeaseState#SUSPENDED} and must stop acting as leader, well before the server can hand the lease to
 * anyone else; past a whole session timeout it reports {@link LeaseState#LOST}. Connection events from the store
 * move it there sooner.
 */
public final class LeaderLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderLease.class);
    /** Questions to the store at most unanswered at once. */
    private static final int MAX_ASKS_IN_FLIGHT = 4;

    private final ClusterStore store;
    private final String machineId;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final ExecutorService notifier;
    /**
     * Where answers are handled: a "no" asks the store again, which may block; the deadline checks on {@link #timers}
     * must never wait behind it.
     */
    private final ExecutorService answers;
    private final List<Consumer<LeaseState>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger asksInFlight = new AtomicInteger();

    private Leader lease;
    private LeaseState state = LeaseState.NOT_HELD;
    private Instant lastConfirmedAt = Instant.MIN;
    private StoreConnectionState connection = StoreConnectionState.CONNECTED;

    public LeaderLease(ClusterStore store, String machineId, Clock clock) {
        this.store = store;
        this.machineId = machineId;
        this.clock = clock;
        // Real-time priority where permitted: a deadline checked late under a CPU-bound load lets a lapsed lease act on
        this.timers = Executors.newScheduledThreadPool(2, RealTimeThreads.raising(
                Thread.ofPlatform().daemon().name("lease-" + machineId + "-", 0).factory()));
        this.notifier = Executors.newSingleThreadExecutor(RealTimeThreads.raising(
                Thread.ofPlatform().daemon().name("lease-" + machineId + "-events").factory()));
        this.answers = Executors.newSingleThreadExecutor(RealTimeThreads.raising(
                Thread.ofPlatform().daemon().name("lease-" + machineId + "-answers").factory()));
        store.addConnectionListener(this::onConnectionChange);
        // Ten questions a session: the lease is suspended half a session after the last answered one was asked
        long renewMillis = Math.max(50, sessionTimeout().toMillis() / 10);
        timers.scheduleWithFixedDelay(this::renew, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::checkDeadlines, 50, 50, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the lease if no one holds it, or re-adopts it if the store still says it is ours.
     *
     * @return the lease when this member holds it now
     */
    public Optional<Leader> tryAcquire() {
        synchronized (this) {
            if (state == LeaseState.HELD) return Optional.of(lease);
        }
        Instant start = clock.instant();
        Optional<Leader> taken = store.tryAcquireLeadership(machineId);
        if (taken.isEmpty()) taken = ownLeaseStillInStore();
        taken.ifPresent(l -> {
            synchronized (this) {
                lease = l;
                lastConfirmedAt = start;
            }
            moveTo(LeaseState.HELD, "lease taken with epoch " + l.epoch());
        });
        return taken;
    }

    /** Gives the lease up (best effort: if the store cannot be reached, the session's expiry frees it). */
    public void release() {
        Leader held;
        synchronized (this) {
            held = lease;
            lease = null;
        }
        if (held == null) return;
        moveTo(LeaseState.NOT_HELD, "lease released");
        try {
            store.releaseLeadership(held);
        } catch (StoreException e) {
            log.warn("could not release the lease (epoch {}); it ends with the store session: {}", held.epoch(), e.getMessage());
        }
    }

    /**
     * Deletes {@code recorded}, a leader record naming this member from a lease it no longer holds (lost by its own
     * deadlines while its store session lived on), if this session owns it; one left by an earlier session is not
     * this session's to delete and ends with that session. Never touches a lease this member holds.
     */
    public void releaseStale(Leader recorded) {
        synchronized (this) {
            if (state == LeaseState.HELD || state == LeaseState.SUSPENDED) return;
        }
        if (!recorded.machineId().equals(machineId)) return;
        try {
            store.releaseLeadership(recorded);
        } catch (StoreException e) {
            log.warn("could not release the stale leader record (epoch {}): {}", recorded.epoch(), e.getMessage());
        }
    }

    public synchronized LeaseState state() {
        return state;
    }

    /** The lease, while it is held and confirmed recently enough to act on. */
    public synchronized Optional<Leader> held() {
        return isHeld() ? Optional.of(lease) : Optional.empty();
    }

    /** True while this member may act as leader: held, and confirmed within half a session timeout. */
    public synchronized boolean isHeld() {
        return state == LeaseState.HELD && clock.instant().isBefore(suspendDeadline());
    }

    /** Until when this member may act as leader on its last confirmation; empty while it may not ({@link #isHeld()}). */
    public synchronized Optional<Instant> heldUntil() {
        return isHeld() ? Optional.of(suspendDeadline()) : Optional.empty();
    }

    /**
     * The moment after which the server may hand the lease to someone else, unless it is confirmed again. A
     * leader must have stopped accepting writes by then.
     */
    public synchronized Instant expiresNoSoonerThan() {
        return lastConfirmedAt.equals(Instant.MIN) ? Instant.MIN : lastConfirmedAt.plus(sessionTimeout());
    }

    /** Calls {@code listener} with each new state, in order, on a dedicated thread. */
    public void addListener(Consumer<LeaseState> listener) {
        listeners.add(listener);
    }

    /** Confirms the lease with the store now rather than at the next scheduled renewal. */
    public void renewNow() {
        timers.execute(this::renew);
    }

    @Override
    public void close() {
        timers.shutdownNow();
        answers.shutdownNow();
        notifier.shutdown();
        try {
            timers.awaitTermination(5, TimeUnit.SECONDS);
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<Leader> ownLeaseStillInStore() {
        return store.read().leader()
                .filter(l -> l.machineId().equals(machineId))
                .filter(store::confirmLeadership);
    }

    /**
     * Asks the store whether the lease is still ours, without waiting for the answer: the next question goes out on time
     * even while an earlier one waits (a busy store, a loaded machine), and a late answer still counts from when it was
     * asked. Waiting instead, one round trip slower than a third of the session fenced a healthy primary.
     */
    private void renew() {
        Leader current;
        synchronized (this) {
            if (lease == null || (state != LeaseState.HELD && state != LeaseState.SUSPENDED)) return;
            current = lease;
        }
        // Answers come in order, so questions beyond a few only queue behind the first
        if (asksInFlight.get() >= MAX_ASKS_IN_FLIGHT) return;
        asksInFlight.incrementAndGet();
        Instant start = clock.instant();
        try {
            store.askLeadership(current).whenCompleteAsync((confirmed, error) -> {
                asksInFlight.decrementAndGet();
                onAnswer(current, start, Boolean.TRUE.equals(confirmed));
            }, answers);
        } catch (RuntimeException e) {
            asksInFlight.decrementAndGet();
            log.debug("could not ask for the lease", e);
        }
    }

    /** State changes happen under the lock, after checking the lease is still the one asked about (release may intervene). */
    private void onAnswer(Leader current, Instant start, boolean confirmed) {
        if (confirmed) {
            synchronized (this) {
                if (lease != current) return;
                if (start.isAfter(lastConfirmedAt)) lastConfirmedAt = start;
                // A confirmation that took longer than half a session (a slow answer, a loaded machine) proves the
                // lease only up to when it was asked: resuming on it would report HELD past the suspend deadline, and
                // a fenced primary would take writes for a moment before the deadline check suspends it again. Nor does
                // an answer to a question asked before the connection was known broken: reconnecting renews anew.
                if (state == LeaseState.SUSPENDED && clock.instant().isBefore(suspendDeadline())
                        && connection != StoreConnectionState.SUSPENDED) {
                    moveTo(LeaseState.HELD, "lease confirmed again, epoch " + current.epoch());
                }
            }
            return;
        }
        synchronized (this) {
            // A later question was answered yes, or the store cannot be asked now: the deadlines decide, no need to look
            if (lease != current || !start.isAfter(lastConfirmedAt) || connection == StoreConnectionState.SUSPENDED
                    || connection == StoreConnectionState.LOST) {
                return;
            }
        }
        if (storeSaysNotOurs(current)) {
            synchronized (this) {
                if (lease != current) return;
                lease = null;
                moveTo(LeaseState.LOST, "the store no longer holds our lease of epoch " + current.epoch());
            }
        }
        // Otherwise the store could not be asked; the deadlines decide.
    }

    /** Distinguishes "not ours any more" (a readable store says so) from "could not ask". */
    private boolean storeSaysNotOurs(Leader current) {
        try {
            return store.read().leader().map(l -> l.epoch() != current.epoch()).orElse(true);
        } catch (StoreException e) {
            return false;
        }
    }

    private void checkDeadlines() {
        Instant now = clock.instant();
        LeaseState next = null;
        String why = null;
        synchronized (this) {
            if (state == LeaseState.HELD && !now.isBefore(suspendDeadline())) {
                next = LeaseState.SUSPENDED;
                why = "lease not confirmed for " + Duration.between(lastConfirmedAt, now).toMillis() + " ms";
            } else if (state == LeaseState.SUSPENDED && !now.isBefore(lastConfirmedAt.plus(sessionTimeout()))) {
                next = LeaseState.LOST;
                why = "lease not confirmed for a whole session timeout; the server may have expired it";
                lease = null;
            }
        }
        if (next != null) moveTo(next, why);
    }

    private void onConnectionChange(StoreConnectionState newState) {
        synchronized (this) {
            connection = newState;
        }
        switch (newState) {
            case SUSPENDED -> {
                if (state() == LeaseState.HELD) moveTo(LeaseState.SUSPENDED, "store connection suspended");
            }
            case LOST -> {
                boolean had;
                synchronized (this) {
                    had = lease != null;
                    lease = null;
                }
                if (had) moveTo(LeaseState.LOST, "store session lost");
            }
            case CONNECTED, RECONNECTED -> renewNow();
        }
    }

    private Instant suspendDeadline() {
        return lastConfirmedAt.equals(Instant.MIN) ? Instant.MIN : lastConfirmedAt.plus(sessionTimeout().dividedBy(2));
    }

    private Duration sessionTimeout() {
        return store.sessionTimeout();
    }

    private void moveTo(LeaseState next, String why) {
        LeaseState before;
        synchronized (this) {
            if (state == next) return;
            before = state;
            state = next;
            // Queued under the lock so listeners see the states in the order they happened.
            for (Consumer<LeaseState> listener : listeners) {
                notifier.execute(() -> listener.accept(next));
            }
        }
        // Outside this lock where the caller holds none (the sidecar's log does not block anyway: NonBlockingAppender).
        // A lease in doubt is a warning: kept when the log queue drops INFO lines.
        if (next == LeaseState.SUSPENDED || next == LeaseState.LOST) {
            log.warn("lease {} -> {}: {}", before, next, why);
        } else {
            log.info("lease {} -> {}: {}", before, next, why);
        }
    }

    /** The last connection state the store reported (for diagnostics). */
    public synchronized StoreConnectionState connection() {
        return connection;
    }
}
