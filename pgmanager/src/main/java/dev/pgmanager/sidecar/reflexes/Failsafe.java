package dev.pgmanager.sidecar.reflexes;

import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.election.LeaderLease;
import dev.pgmanager.ha.FailsafeState;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.LocalPostgres.Following;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.sidecar.loop.Actor;
import dev.pgmanager.sidecar.loop.LocalServer;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failsafe mode, both sides of it (as Patroni's {@code failsafe_mode} works).
 *
 * <p><b>A primary that loses its lease</b> to a store it cannot reach would stop accepting writes (it cannot prove
 * the lease). With {@code ha.failsafe_mode} it first asks every member it knows (those of its last view of the store)
 * over their API, {@code POST /failsafe}, whether they still follow it; only when every one answers yes does it keep
 * running, for half a session timeout from the moment it asked, and it asks again every sixth of one. One "no" or one
 * silent member, and it stops at once.
 *
 * <p><b>A replica that answers yes</b> promises not to take the lease for a whole session timeout: it is what makes the
 * answer worth relying on. A replica that does not stream from that primary (it follows another, it is itself a
 * primary, it holds the lease) answers no.
 */
public final class Failsafe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Failsafe.class);
    /** How often a leader calls its members' API while all is well, so the first failsafe round is not a cold one. */
    private static final Duration WARM_UP_EVERY = Duration.ofSeconds(30);

    private final String me;
    private final boolean enabled;
    private final Duration sessionTimeout;
    private final LeaderLease lease;
    private final LocalServer server;
    private final Supplier<Optional<Observation>> lastObservation;
    private final AddressResolver resolver;
    private final Optional<String> token;
    private final Clock clock;
    private final Duration requestTimeout;
    /** The primary's rounds, in failsafe mode only: an HTTP client and a timer cost threads and classes at rest. */
    private final Optional<HttpClient> http;
    private final Optional<ScheduledExecutorService> timer;

    private MachineId promisedTo;
    private Instant promiseEnds = Instant.MIN;
    private final FailsafeConfirmation confirmation;

    public Failsafe(String me, boolean enabled, Duration sessionTimeout, LeaderLease lease, LocalServer server,
            FailsafeConfirmation confirmation, Supplier<Optional<Observation>> lastObservation, AddressResolver resolver,
            Optional<String> token, Clock clock) {
        this.me = me;
        this.enabled = enabled;
        this.sessionTimeout = sessionTimeout;
        this.lease = lease;
        this.server = server;
        this.confirmation = confirmation;
        this.lastObservation = lastObservation;
        this.resolver = resolver;
        this.token = token;
        this.clock = clock;
        // The lease is in doubt at half a session and the watchdog stops a primary a third of a session after that
        // unless a round succeeded: a quarter of a session leaves room for the round to finish first.
        this.requestTimeout = Duration.ofMillis(Math.max(250, sessionTimeout.toMillis() / 4));
        if (enabled) {
            this.http = Optional.of(HttpClient.newBuilder().connectTimeout(requestTimeout).build());
            ScheduledExecutorService rounds = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("failsafe").factory());
            long every = Math.max(100, sessionTimeout.toMillis() / 6);
            rounds.scheduleWithFixedDelay(this::keepConfirming, every, every, TimeUnit.MILLISECONDS);
            rounds.scheduleWithFixedDelay(this::warmUp, 1, WARM_UP_EVERY.toSeconds(), TimeUnit.SECONDS);
            this.timer = Optional.of(rounds);
        } else {
            this.http = Optional.empty();
            this.timer = Optional.empty();
        }
    }

    // ---- the replica's side ----

    /** Answers a primary's {@code POST /failsafe}: empty (yes, promised) or why not. */
    public synchronized Optional<String> promiseToFollow(MachineId leader) {
        if (lease.state() == dev.pgmanager.election.LeaseState.HELD) return Optional.of("I hold the lease myself");
        LocalPostgres local = server.lastSeen();
        if (!local.isReplica()) return Optional.of("my server is not a running replica");
        Optional<MachineId> following = local.following().map(Following::leader);
        if (!following.equals(Optional.of(leader))) {
            return Optional.of("I follow " + following.map(MachineId::value).orElse("nobody"));
        }
        if (!leader.equals(promisedTo) || !clock.instant().isBefore(promiseEnds)) {
            log.warn("{} cannot reach the store and asked whether I follow it (failsafe): yes; not taking the lease for {} ms",
                    leader, sessionTimeout.toMillis());
        }
        promisedTo = leader;
        promiseEnds = clock.instant().plus(sessionTimeout);
        return Optional.empty();
    }

    /** Takes the lease only while no promise holds (the promise and the taking exclude each other). */
    public synchronized <T> T unlessPromised(Supplier<T> takeLease) {
        currentPromise().ifPresent(leader -> {
            throw new Actor.ActionFailedException("I promised " + leader + " (failsafe) not to take the lease yet");
        });
        return takeLease.get();
    }

    private synchronized Optional<MachineId> currentPromise() {
        return clock.instant().isBefore(promiseEnds) ? Optional.ofNullable(promisedTo) : Optional.empty();
    }

    // ---- the primary's side ----

    /** Whether every member confirmed recently that it follows this primary: it may keep accepting writes. */
    boolean holds() {
        return enabled && confirmation.holds();
    }

    public FailsafeState state() {
        return new FailsafeState(currentPromise(), holds());
    }

    /**
     * The lease is in doubt: true when failsafe mode lets this primary go on (every member confirmed it follows it),
     * false when it must stop accepting writes.
     */
    public boolean confirmNow() {
        if (!enabled || !server.lastSeen().isPrimary()) return false;
        Instant start = clock.instant();
        Optional<String> refusal = askEveryMember();
        if (refusal.isPresent()) {
            log.warn("failsafe: {}: stopping writes", refusal.get());
            confirmation.withdraw();
            return false;
        }
        if (!holds()) log.warn("failsafe: the lease is in doubt, but every member confirmed it follows me: staying primary");
        confirmation.confirmUntil(start.plus(sessionTimeout.dividedBy(2)));
        return true;
    }

    private void keepConfirming() {
        try {
            if (lease.isHeld()) {
                // Not confirmed for a third of a session while renewals come every tenth: the store is in trouble.
                // Asking now, before the lease is in doubt, keeps the watchdog fed without a gap when it is.
                boolean lagging = clock.instant().isAfter(lease.expiresNoSoonerThan().minus(sessionTimeout.multipliedBy(2).dividedBy(3)));
                if (lagging && server.lastSeen().isPrimary()) {
                    confirmNow();
                } else {
                    confirmation.withdraw();
                }
                return;
            }
            // Not in failsafe (no round succeeded since the lease was last held): the lease reflex decides alone.
            if (confirmation.withdrawn() || !server.lastSeen().isPrimary()) return;
            // In failsafe: a primary without its lease runs on only while every member keeps confirming.
            if (!confirmNow()) server.fence();
        } catch (RuntimeException e) {
            log.error("failsafe: checking the members failed ({}); stopping writes", e.getMessage());
            server.fence();
        }
    }

    /**
     * While it leads, a harmless {@code GET /health/live} to every member now and then: on a loaded machine the first
     * HTTP round of a JVM (class loading, connection set-up, the member's handler) can take longer than a failsafe
     * round may, and a primary must not stop for that.
     */
    private void warmUp() {
        try {
            if (!lease.isHeld()) return;
            for (Member member : knownMembers()) {
                resolver.resolve(MachineId.of(member.machineId())).ifPresent(address -> {
                    try {
                        URI uri = new URI("http", null, address.getHostAddress(), member.apiPort(), "/health/live", null, null);
                        http().sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                                HttpResponse.BodyHandlers.discarding());
                    } catch (URISyntaxException e) {
                        log.debug("cannot form the API URL of {}", member.machineId(), e);
                    }
                });
            }
        } catch (RuntimeException e) {
            log.debug("failsafe warm-up failed", e);
        }
    }

    private Collection<Member> knownMembers() {
        return lastObservation.get().map(o -> (Collection<Member>) o.cluster().membersExcept(me).values()).orElse(List.of());
    }

    /** Why not every known member follows this primary, or empty when all confirmed. */
    private Optional<String> askEveryMember() {
        List<CompletableFuture<Optional<String>>> answers = new ArrayList<>();
        for (Member member : knownMembers()) answers.add(ask(member));
        for (CompletableFuture<Optional<String>> answer : answers) {
            Optional<String> refusal = answer.join();
            if (refusal.isPresent()) return refusal;
        }
        return Optional.empty();
    }

    private CompletableFuture<Optional<String>> ask(Member member) {
        String id = member.machineId();
        Optional<InetAddress> address = resolver.resolve(MachineId.of(id));
        if (address.isEmpty()) return CompletableFuture.completedFuture(Optional.of(id + " does not resolve in DNS"));
        URI uri;
        try {
            uri = new URI("http", null, address.get().getHostAddress(), member.apiPort(), "/failsafe", null, null);
        } catch (URISyntaxException e) {
            return CompletableFuture.completedFuture(Optional.of("cannot form the API URL of " + id));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"leader\":\"" + me + "\"}"));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return http().sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> response.statusCode() == 200 ? Optional.<String>empty()
                        : Optional.of(id + " does not confirm it follows me (HTTP " + response.statusCode() + ": " + response.body() + ")"))
                .exceptionally(e -> Optional.of(id + " did not answer at " + uri + " (" + e.getClass().getSimpleName() + ")"));
    }

    /** Reached only in failsafe mode: the rounds are not scheduled, and {@link #confirmNow} returns at once, without it. */
    private HttpClient http() {
        return http.orElseThrow(() -> new IllegalStateException("failsafe mode is off"));
    }

    @Override
    public void close() {
        timer.ifPresent(ScheduledExecutorService::shutdownNow);
        http.ifPresent(HttpClient::close);
    }
}
