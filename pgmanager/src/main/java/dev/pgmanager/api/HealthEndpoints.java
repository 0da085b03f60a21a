package dev.pgmanager.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.ha.StopSafety;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The probes that platforms and load balancers poll: liveness, readiness, and which role to route to. They read
 * only the last pass held in memory, so they answer at once even while the store or PostgreSQL hangs.
 *
 * <p>Readiness and the role probes also fail when the loop is stale: the pass they would judge by may no longer be
 * true, and a primary whose loop has stopped cannot vouch that it still holds the lease.
 */
final class HealthEndpoints {
    private final SidecarView view;
    private final Clock clock;
    private final Instant apiStartedAt;
    private final StopSafety stopSafety = new StopSafety();

    HealthEndpoints(SidecarView view, Clock clock, Instant apiStartedAt) {
        this.view = view;
        this.clock = clock;
        this.apiStartedAt = apiStartedAt;
    }

    ApiResponse live(ApiRequest request) {
        LoopLiveness liveness = liveness();
        return switch (liveness) {
            case LoopLiveness.Alive a -> ApiResponse.json(200, Json.object()
                    .put("status", "alive")
                    .put("last_pass_finished_at", a.pass().finishedAt().toString())
                    .put("last_pass_age_ms", a.age().toMillis())
                    .put("stale_after_ms", a.limit().toMillis()));
            case LoopLiveness.NoPassYet n -> unavailable(liveness).put("since", n.since().toString()).build();
            case LoopLiveness.Stale s -> unavailable(liveness)
                    .put("last_pass_finished_at", s.pass().finishedAt().toString())
                    .put("last_pass_age_ms", s.age().toMillis())
                    .put("stale_after_ms", s.limit().toMillis())
                    .build();
        };
    }

    ApiResponse ready(ApiRequest request) {
        long lagLimit = LagLimit.of(request, view.readinessLagBytes());
        return withFreshPass(o -> {
            LocalPostgres local = o.local();
            if (!local.running()) return unavailable("PostgreSQL is not running (" + MemberJson.role(o) + ")", o);
            if (local.isPrimary()) return ok("ready", o);
            if (local.isReplica()) return replicaAnswer(o, lagLimit, "ready");
            return unavailable("PostgreSQL runs but its role is not known yet", o);
        });
    }

    ApiResponse primary(ApiRequest request) {
        return withFreshPass(o -> {
            if (!o.local().isPrimary()) {
                return unavailable("not the primary: PostgreSQL runs as " + MemberJson.role(o), o);
            }
            if (!o.iLead()) {
                return unavailable("not the primary: PostgreSQL runs as primary but this member does not hold the lease ("
                        + o.leaseState().name().toLowerCase(Locale.ROOT) + ")", o);
            }
            if (o.local().frozen()) {
                return unavailable("not the primary for a moment: PostgreSQL is frozen until its lease reflex sees the lease "
                        + "confirmed again", o);
            }
            return ok("primary", o).put("epoch", o.lease().orElseThrow().epoch());
        });
    }

    /**
     * The role check (fly.toml's {@code [checks.role]}): 200 on every member whose PostgreSQL role agrees with the lease,
     * with the role as its status, so that {@code fly checks list} shows who is primary and a deploy is not held up by
     * replicas; 503 while they disagree (a primary without the lease, a lease holder not yet promoted) or PostgreSQL
     * does not run.
     */
    ApiResponse role(ApiRequest request) {
        return withFreshPass(o -> {
            RoleVerdict verdict = RoleVerdict.of(o);
            if (verdict.role().isEmpty()) return unavailable(verdict.problem(), o);
            Body ok = ok(verdict.role().get(), o);
            return verdict.role().get().equals("primary") ? ok.put("epoch", o.lease().orElseThrow().epoch()) : ok;
        });
    }

    ApiResponse replica(ApiRequest request) {
        long lagLimit = LagLimit.of(request, view.readinessLagBytes());
        return withFreshPass(o -> {
            if (!o.local().isReplica()) return unavailable("not a replica: PostgreSQL runs as " + MemberJson.role(o), o);
            return replicaAnswer(o, lagLimit, "replica");
        });
    }

    /**
     * 200 only when stopping this machine now keeps the cluster writable and its store quorum intact, so that a
     * scheduler moves members one at a time. A stale loop cannot vouch for anything: 503.
     */
    ApiResponse safeToStop(ApiRequest request) {
        return withFreshPass(o -> {
            var quorum = view.whyStopBreaksStoreQuorum();
            if (quorum.isPresent()) return unavailable("stopping would break the store's quorum: " + quorum.get(), o);
            StopSafety.Verdict verdict = stopSafety.judge(o);
            if (!verdict.safe()) return unavailable("not safe to stop: " + verdict.reason(), o);
            return ok("safe-to-stop", o).put("reason", verdict.reason()
                    + "; the store keeps its quorum without this member");
        });
    }

    private Body replicaAnswer(Observation o, long lagLimit, String status) {
        if (!o.local().streaming()) return unavailable("the replica is not streaming from the leader", o);
        OptionalLong lag = ReplicationLag.ofLocal(o);
        if (lag.isEmpty()) return unavailable("the replica's lag is unknown (no leader record with a WAL position)", o);
        if (lag.getAsLong() > lagLimit) {
            return unavailable("the replica lags " + lag.getAsLong() + " bytes behind the leader, more than the "
                    + lagLimit + " allowed", o);
        }
        return ok(status, o);
    }

    private LoopLiveness liveness() {
        return LoopLiveness.judge(view.lastPass(), view.loopWait(), clock.instant(), apiStartedAt);
    }

    private ApiResponse withFreshPass(Function<Observation, Body> judge) {
        LoopLiveness liveness = liveness();
        if (!(liveness instanceof LoopLiveness.Alive alive)) return unavailable(liveness).build();
        return judge.apply(alive.pass().observation()).build();
    }

    private static Body unavailable(LoopLiveness liveness) {
        return new Body(503, Json.object().put("error", liveness.problem().orElseThrow()));
    }

    private static Body unavailable(String reason, Observation o) {
        return describe(new Body(503, Json.object().put("error", reason)), o);
    }

    private static Body ok(String status, Observation o) {
        return describe(new Body(200, Json.object().put("status", status)), o);
    }

    private static Body describe(Body body, Observation o) {
        body.json().put("role", MemberJson.role(o));
        body.json().put("lag_bytes", MemberJson.boxed(ReplicationLag.ofLocal(o)));
        return body;
    }

    /** A probe answer under construction: the status and the JSON that explains it. */
    private record Body(int status, ObjectNode json) {
        Body put(String field, String value) {
            json.put(field, value);
            return this;
        }

        Body put(String field, long value) {
            json.put(field, value);
            return this;
        }

        ApiResponse build() {
            return ApiResponse.json(status, json);
        }
    }
}
