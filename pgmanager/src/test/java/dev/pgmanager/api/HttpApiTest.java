package dev.pgmanager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.election.LeaseState;
import dev.pgmanager.ha.Candidacy;
import dev.pgmanager.ha.Decider;
import dev.pgmanager.ha.Decision;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.LocalPostgres.Following;
import dev.pgmanager.ha.LocalPostgres.Server;
import dev.pgmanager.ha.LocalPostgres.WalPositions;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.ha.Pass;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.ClusterSpec;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.StoreUnavailableException;
import dev.pgmanager.store.Versioned;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The API over a real socket, against a sidecar whose state each test sets by hand. */
class HttpApiTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final String ME = "aaaa0000000001";
    private static final String B = "bbbb0000000002";
    private static final String C = "cccc0000000003";
    private static final String SYSID = "7311111111111111111";
    private static final long TL = 3;
    /** Past 4 GiB, so that the LSN text has a non-zero high half. */
    private static final long AT = 0x1_0300_0060L;
    private static final long MB = 1024 * 1024;
    private static final String TOKEN = "s3cret-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<HttpApi> servers = new ArrayList<>();
    private final FakeView view = new FakeView();
    private final FakeCommands commands = new FakeCommands();

    @AfterEach
    void closeServers() {
        servers.forEach(HttpApi::close);
    }

    // ---- liveness

    @Test
    void liveWhileTheLastPassIsRecent() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(2)));
        var response = get(start(), "/health/live");
        assertEquals(200, response.statusCode());
        assertEquals("alive", body(response).path("status").asText());
        assertEquals(NOW.minusSeconds(2).toString(), body(response).path("last_pass_finished_at").asText());
    }

    @Test
    void notLiveWhenTheLastPassIsOlderThanThreeLoopWaits() throws Exception {
        view.loopWait = Duration.ofSeconds(10);
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(29)));
        var api = start();
        assertEquals(200, get(api, "/health/live").statusCode(), "29 s is within 3 x 10 s");

        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(31)));
        var stale = get(api, "/health/live");
        assertEquals(503, stale.statusCode());
        assertTrue(error(stale).contains(NOW.minusSeconds(31).toString()), error(stale));
    }

    @Test
    void staleAfterFiveSecondsAtLeastWhenTheLoopWaitIsShort() throws Exception {
        view.loopWait = Duration.ofMillis(100);
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(4)));
        var api = start();
        assertEquals(200, get(api, "/health/live").statusCode());
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(6)));
        assertEquals(503, get(api, "/health/live").statusCode());
    }

    @Test
    void notLiveBeforeTheFirstPassSaysSinceWhen() throws Exception {
        var response = get(start(), "/health/live");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("since the API started at " + NOW), error(response));
        assertEquals(NOW.toString(), body(response).path("since").asText());
    }

    @Test
    void liveAndProbesKeepAnsweringWhileTheStoreHangs() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        var release = new CountDownLatch(1);
        var entered = new CountDownLatch(1);
        view.history = () -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        };
        var api = start();
        var hanging = http.sendAsync(request(api, "/history").build(), BodyHandlers.ofString());
        assertTrue(entered.await(5, TimeUnit.SECONDS));

        assertEquals(200, get(api, "/health/live").statusCode());
        assertEquals(200, get(api, "/health/ready").statusCode());
        assertEquals(200, get(api, "/primary").statusCode());
        assertFalse(hanging.isDone());
        release.countDown();
        assertEquals(200, hanging.get(5, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void aStoreThatIsDownIsReportedAs503() throws Exception {
        view.history = () -> {
            throw new StoreUnavailableException("ZooKeeper did not answer within 2 s", null);
        };
        var response = get(start(), "/history");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("ZooKeeper did not answer"), error(response));
    }

    @Test
    void anUnexpectedFailureIs500WithoutAStackTrace() throws Exception {
        view.history = () -> {
            throw new IllegalStateException("boom at dev.pgmanager.Secret.method(Secret.java:12)");
        };
        var api = start();
        var response = get(api, "/history");
        assertEquals(500, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        assertFalse(response.body().contains("Secret.java"), response.body());
        assertTrue(error(response).contains("internal error"), error(response));
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        assertEquals(200, get(api, "/health/live").statusCode(), "still serving");
    }

    // ---- readiness

    @Test
    void readyOnARunningPrimary() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        assertEquals(200, get(start(), "/health/ready").statusCode());
    }

    @Test
    void readyOnAStreamingReplicaUnderTheLagLimit() throws Exception {
        view.readinessLagBytes = MB;
        view.lastPass = Optional.of(pass(streamingReplica(MB - 1), NOW.minusSeconds(1)));
        var response = get(start(), "/health/ready");
        assertEquals(200, response.statusCode());
        assertEquals(MB - 1, body(response).path("lag_bytes").asLong());
    }

    @Test
    void notReadyOnAReplicaOverTheLagLimit() throws Exception {
        view.readinessLagBytes = MB;
        view.lastPass = Optional.of(pass(streamingReplica(MB + 1), NOW.minusSeconds(1)));
        var response = get(start(), "/health/ready");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("lags " + (MB + 1) + " bytes"), error(response));
    }

    @Test
    void theLagParameterOverridesTheDefault() throws Exception {
        view.readinessLagBytes = MB;
        view.lastPass = Optional.of(pass(streamingReplica(2 * MB), NOW.minusSeconds(1)));
        var api = start();
        assertEquals(503, get(api, "/health/ready").statusCode());
        assertEquals(200, get(api, "/health/ready?lag=16MB").statusCode());
        assertEquals(200, get(api, "/health/ready?lag=" + 2 * MB).statusCode());
        assertEquals(503, get(api, "/health/ready?lag=" + (2 * MB - 1)).statusCode());
        assertEquals(200, get(api, "/health/ready?lag=3mb").statusCode());
    }

    @Test
    void aBadLagParameterIs400() throws Exception {
        view.lastPass = Optional.of(pass(streamingReplica(0), NOW.minusSeconds(1)));
        var api = start();
        for (String bad : List.of("lots", "-5", "16XB", "")) {
            var response = get(api, "/health/ready?lag=" + bad);
            assertEquals(400, response.statusCode(), bad);
            assertTrue(error(response).startsWith("lag: "), error(response));
        }
        assertEquals(400, get(api, "/replica?lag=lots").statusCode());
    }

    @Test
    void notReadyWhenPostgresIsStopped() throws Exception {
        view.lastPass = Optional.of(pass(replicaWith(LocalPostgres.stopped(SYSID, TL, false)), NOW.minusSeconds(1)));
        var response = get(start(), "/health/ready");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("not running"), error(response));
        assertEquals("stopped", body(response).path("role").asText());
    }

    @Test
    void notReadyOnAReplicaThatDoesNotStream() throws Exception {
        view.lastPass = Optional.of(pass(replicaWith(runningReplica(0, false)), NOW.minusSeconds(1)));
        var response = get(start(), "/health/ready");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("not streaming"), error(response));
    }

    @Test
    void notReadyWhenTheLoopIsStaleOrHasNotRun() throws Exception {
        var api = start();
        assertEquals(503, get(api, "/health/ready").statusCode());
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(60)));
        assertEquals(503, get(api, "/health/ready").statusCode());
        assertEquals(503, get(api, "/primary").statusCode(), "a stuck loop cannot vouch for its lease");
    }

    // ---- role probes

    @Test
    void primaryOnlyForTheLeaseHoldingPrimary() throws Exception {
        var api = start();
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        var leading = get(api, "/primary");
        assertEquals(200, leading.statusCode());
        assertEquals(7, body(leading).path("epoch").asLong());

        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.SUSPENDED), NOW.minusSeconds(1)));
        var suspended = get(api, "/primary");
        assertEquals(503, suspended.statusCode());
        assertTrue(error(suspended).contains("does not hold the lease (suspended)"), error(suspended));

        // Frozen by the lease reflex: the lease confirmed again, but not yet thawed.
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD, true), NOW.minusSeconds(1)));
        var frozen = get(api, "/primary");
        assertEquals(503, frozen.statusCode());
        assertTrue(error(frozen).contains("PostgreSQL is frozen"), error(frozen));

        view.lastPass = Optional.of(pass(streamingReplica(0), NOW.minusSeconds(1)));
        assertEquals(503, get(api, "/primary").statusCode());

        view.lastPass = Optional.of(pass(replicaWith(LocalPostgres.stopped(SYSID, TL, false)), NOW.minusSeconds(1)));
        assertEquals(503, get(api, "/primary").statusCode());
    }

    @Test
    void theRoleCheckPassesOnEveryMemberWhoseRoleAgreesWithTheLeaseAndNamesTheRole() throws Exception {
        var api = start();
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        var leading = get(api, "/health/role");
        assertEquals(200, leading.statusCode());
        assertEquals("primary", body(leading).path("status").asText());
        assertEquals(7, body(leading).path("epoch").asLong());

        // A replica passes whatever its lag: lag is the ready check's business, and deploys must not wait on role.
        view.lastPass = Optional.of(pass(streamingReplica(2 * MB), NOW.minusSeconds(1)));
        var replica = get(api, "/health/role");
        assertEquals(200, replica.statusCode());
        assertEquals("replica", body(replica).path("status").asText());

        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.SUSPENDED), NOW.minusSeconds(1)));
        var suspended = get(api, "/health/role");
        assertEquals(503, suspended.statusCode());
        assertTrue(error(suspended).contains("does not hold the lease (suspended)"), error(suspended));

        view.lastPass = Optional.of(pass(replicaWith(LocalPostgres.stopped(SYSID, TL, false)), NOW.minusSeconds(1)));
        var stopped = get(api, "/health/role");
        assertEquals(503, stopped.statusCode());
        assertTrue(error(stopped).contains("not running"), error(stopped));

        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(60)));
        assertEquals(503, get(api, "/health/role").statusCode(), "a stuck loop cannot vouch for the role");
    }

    @Test
    void replicaOnlyForAStreamingReplicaWithinTheLag() throws Exception {
        view.readinessLagBytes = MB;
        var api = start();
        view.lastPass = Optional.of(pass(streamingReplica(100), NOW.minusSeconds(1)));
        assertEquals(200, get(api, "/replica").statusCode());
        assertEquals(503, get(api, "/replica?lag=99").statusCode());
        assertEquals(200, get(api, "/replica?lag=100").statusCode());

        view.lastPass = Optional.of(pass(streamingReplica(2 * MB), NOW.minusSeconds(1)));
        assertEquals(503, get(api, "/replica").statusCode());
        assertEquals(200, get(api, "/replica?lag=1GB").statusCode());

        view.lastPass = Optional.of(pass(replicaWith(runningReplica(0, false)), NOW.minusSeconds(1)));
        assertEquals(503, get(api, "/replica").statusCode());

        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        var primary = get(api, "/replica");
        assertEquals(503, primary.statusCode());
        assertTrue(error(primary).contains("not a replica"), error(primary));
    }

    @Test
    void headAndOptionsAnswerTheProbeStatusWithoutABody() throws Exception {
        var api = start();
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        var head = send(request(api, "/primary").HEAD());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        var options = send(request(api, "/primary").method("OPTIONS", BodyPublishers.noBody()));
        assertEquals(200, options.statusCode());
        assertEquals("", options.body());
        assertEquals("GET, HEAD, OPTIONS", options.headers().firstValue("Allow").orElseThrow());

        assertEquals(503, send(request(api, "/replica").HEAD()).statusCode());
        assertEquals(503, send(request(api, "/replica").method("OPTIONS", BodyPublishers.noBody())).statusCode());
        assertEquals(200, send(request(api, "/health/live").HEAD()).statusCode());
    }

    @Test
    void optionsOnACommandDoesNotRunIt() throws Exception {
        var response = send(request(start(), "/pause").header("Authorization", "Bearer " + TOKEN)
                .method("OPTIONS", BodyPublishers.noBody()));
        assertEquals(204, response.statusCode());
        assertEquals("POST, OPTIONS", response.headers().firstValue("Allow").orElseThrow());
        assertTrue(commands.calls.isEmpty());
    }

    // ---- member, cluster, history

    @Test
    void memberDescribesAStreamingReplica() throws Exception {
        view.addresses.put(ME, InetAddress.getByName("fdaa:0:1:a7b:1::3"));
        view.lastPass = Optional.of(pass(streamingReplica(0x60), NOW.minusSeconds(1)));
        JsonNode member = body(get(start(), "/member"));
        assertEquals(ME, member.path("machine_id").asText());
        assertEquals("ams", member.path("region").asText());
        assertEquals("replica", member.path("role").asText());
        assertEquals(MemberState.STREAMING.word(), member.path("state").asText());
        assertEquals(TL, member.path("timeline").asLong());
        assertEquals(AT, member.path("received_position").asLong());
        assertEquals("1/3000060", member.path("received_lsn").asText());
        assertEquals(AT - 0x60, member.path("replayed_position").asLong());
        assertEquals("1/3000000", member.path("replayed_lsn").asText());
        assertEquals(0x60, member.path("lag_bytes").asLong());
        assertEquals("not_held", member.path("lease_state").asText());
        assertTrue(member.path("epoch").isNull(), "no epoch when not leading");
        assertEquals(B, member.path("leader").asText());
        assertEquals("no action: streaming from " + B, member.path("last_decision").asText());
        assertEquals(NOW.minusSeconds(1).toString(), member.path("last_pass_finished_at").asText());
        assertFalse(member.path("paused").asBoolean(true));
        assertEquals("fdaa:0:1:a7b:1::3", member.path("address").asText());
    }

    @Test
    void memberDescribesTheLeadingPrimaryWithNoAddress() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        JsonNode member = body(get(start(), "/member"));
        assertEquals("primary", member.path("role").asText());
        assertEquals(7, member.path("epoch").asLong());
        assertEquals(ME, member.path("leader").asText());
        assertEquals("held", member.path("lease_state").asText());
        assertFalse(member.path("frozen").asBoolean(true));
        assertEquals(0, member.path("lag_bytes").asLong());
        assertTrue(member.has("address") && member.path("address").isNull(), member.toString());
    }

    @Test
    void memberSaysWhenItsPrimaryIsFrozenWhileItsLeaseIsInDoubt() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.SUSPENDED, true), NOW.minusSeconds(1)));
        JsonNode member = body(get(start(), "/member"));
        assertTrue(member.path("frozen").asBoolean(false), member.toString());
        assertEquals("primary_without_lease", member.path("role").asText());
        assertEquals("suspended", member.path("lease_state").asText());
    }

    @Test
    void memberReportsTheRewriterOffWithItsReason() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        view.rewriter = RewriterReport.off("no cgroup2 mount", 3);
        JsonNode rewriter = body(get(start(), "/member")).path("rewriter");
        assertEquals("off", rewriter.path("state").asText());
        assertEquals("no cgroup2 mount", rewriter.path("reason").asText());
        assertEquals(0, rewriter.path("entries").asLong());
        assertEquals(3, rewriter.path("stale_uses").asLong());
    }

    @Test
    void memberReportsTheRewriterOnWithEntriesHitsAndStaleUses() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        view.rewriter = new RewriterReport(true, Optional.empty(), 2, 5, 4);
        JsonNode rewriter = body(get(start(), "/member")).path("rewriter");
        assertEquals("on", rewriter.path("state").asText());
        assertTrue(rewriter.has("reason") && rewriter.path("reason").isNull(), rewriter.toString());
        assertEquals(2, rewriter.path("entries").asLong());
        assertEquals(5, rewriter.path("hits").asLong());
        assertEquals(4, rewriter.path("stale_uses").asLong());
    }

    @Test
    void memberBeforeTheFirstPassIs503() throws Exception {
        assertEquals(503, get(start(), "/member").statusCode());
        assertEquals(503, get(start(), "/cluster").statusCode());
    }

    @Test
    void clusterListsEveryMemberWithItsAddressResolvedNow() throws Exception {
        var observation = streamingReplica(0);
        view.lastPass = Optional.of(pass(withHandover(observation,
                new HandoverRequest(HandoverRequest.Kind.SWITCHOVER, B, C, NOW.minusSeconds(3))), NOW.minusSeconds(1)));
        view.addresses.put(B, InetAddress.getByName("fdaa::b"));
        view.addresses.put(ME, InetAddress.getByName("fdaa::a"));
        var api = start();

        JsonNode cluster = body(get(api, "/cluster"));
        assertEquals(B, cluster.path("leader").asText());
        assertEquals(8, cluster.path("epoch").asLong());
        assertFalse(cluster.path("paused").asBoolean(true));
        assertEquals("switchover", cluster.path("handover").path("kind").asText());
        assertEquals(C, cluster.path("handover").path("to").asText());
        JsonNode members = cluster.path("members");
        assertEquals(List.of(ME, B, C), members.findValuesAsText("machine_id"));
        JsonNode b = members.get(1);
        assertEquals("primary", b.path("role").asText());
        assertEquals("running", b.path("state").asText());
        assertEquals(TL, b.path("timeline").asLong());
        assertEquals(0, b.path("lag_bytes").asLong());
        assertEquals(5433, b.path("database_port").asInt());
        assertEquals(8008, b.path("api_port").asInt());
        assertFalse(b.path("tags").path("nofailover").asBoolean(true));
        assertEquals(NOW.minusMillis(500).toString(), b.path("updated_at").asText());
        assertEquals("fdaa::b", b.path("address").asText());
        JsonNode c = members.get(2);
        assertEquals("replica", c.path("role").asText());
        assertEquals(5000, c.path("lag_bytes").asLong());
        assertTrue(c.path("tags").path("nofailover").asBoolean());
        assertTrue(c.has("address") && c.path("address").isNull(), "C does not resolve");

        // B moved: the next answer shows where it is now, not where it was.
        view.addresses.put(B, InetAddress.getByName("fdaa::bb"));
        JsonNode moved = body(get(api, "/cluster")).path("members").get(1);
        assertEquals("fdaa::bb", moved.path("address").asText());
    }

    @Test
    void historyIsTheViewsHistoryAsAJsonArray() throws Exception {
        view.history = () -> List.of(
                new HistoryEntry(NOW.minusSeconds(3600), "bootstrap", B, 1, 1, "initialized the cluster"),
                new HistoryEntry(NOW.minusSeconds(60), "switchover", ME, 2, 2, "switched over from " + B));
        var response = get(start(), "/history");
        assertEquals(200, response.statusCode());
        JsonNode history = body(response);
        assertTrue(history.isArray());
        assertEquals(2, history.size());
        assertEquals("bootstrap", history.get(0).path("kind").asText());
        assertEquals(B, history.get(0).path("machine_id").asText());
        assertEquals(NOW.minusSeconds(3600).toString(), history.get(0).path("at").asText());
        assertEquals(2, history.get(1).path("epoch").asLong());
        assertEquals(2, history.get(1).path("timeline").asLong());
        assertEquals("switched over from " + B, history.get(1).path("detail").asText());
    }

    // ---- failsafe mode

    @Test
    void aFailsafeAskNeedsTheTokenAndIsAnsweredByWhatThisMemberFollows() throws Exception {
        var api = start();
        String body = "{\"leader\": \"" + B + "\"}";
        assertEquals(401, send(post(api, "/failsafe", body)).statusCode());
        assertTrue(view.failsafeAsks.isEmpty(), "no promise without the token");

        var yes = send(authorized(api, "/failsafe", body));
        assertEquals(200, yes.statusCode());
        assertTrue(body(yes).path("following").asBoolean());

        var no = send(authorized(api, "/failsafe", "{\"leader\": \"" + C + "\"}"));
        assertEquals(409, no.statusCode());
        assertEquals("I follow " + B, error(no));
        assertEquals(400, send(authorized(api, "/failsafe", "{\"leader\": \"Not An Id\"}")).statusCode());
        assertEquals(List.of(B, C), view.failsafeAsks);
    }

    // ---- operator commands

    static Stream<String> commandPaths() {
        return Stream.of("/switchover", "/failover", "/restart", "/reinit", "/rejoin", "/pause", "/resume");
    }

    /** A body every command accepts, so that only the token decides. */
    private static String validBody(String path) {
        return path.equals("/failover") || path.equals("/switchover") ? "{\"to\": \"" + B + "\"}" : "";
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void aCommandWithoutTheTokenIs401(String path) throws Exception {
        var response = send(post(start(), path, validBody(path)));
        assertEquals(401, response.statusCode());
        assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertNotNull(error(response));
        assertTrue(commands.calls.isEmpty());
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void aCommandWithTheWrongTokenIs401(String path) throws Exception {
        var api = start();
        for (String header : List.of("Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN, "Bearer ")) {
            var response = send(post(api, path, validBody(path)).header("Authorization", header));
            assertEquals(401, response.statusCode(), header);
            assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElseThrow());
        }
        assertTrue(commands.calls.isEmpty());
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void everyCommandIs401WhenNoTokenIsConfigured(String path) throws Exception {
        var api = start(Optional.empty());
        var response = send(post(api, path, validBody(path)).header("Authorization", "Bearer " + TOKEN));
        assertEquals(401, response.statusCode());
        assertEquals("no API token is configured on this member (set PGMANAGER_API_TOKEN or api.token)", error(response));
        assertTrue(commands.calls.isEmpty());
        assertEquals(401, send(post(start(Optional.of("  ")), path, validBody(path)).header("Authorization", "Bearer ")).statusCode(),
                "a blank token is no token");
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void anAcceptedCommandIs202(String path) throws Exception {
        commands.result = Result.accepted("filed");
        var response = send(authorized(start(), path, validBody(path)));
        assertEquals(202, response.statusCode());
        assertTrue(body(response).path("accepted").asBoolean());
        assertEquals("filed", body(response).path("message").asText());
        assertEquals(List.of(path.substring(1) + (validBody(path).isEmpty() ? "" : " " + B)), commands.calls);
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void aRefusedCommandIs409(String path) throws Exception {
        commands.result = Result.refused("the cluster is paused");
        var response = send(authorized(start(), path, validBody(path)));
        assertEquals(409, response.statusCode());
        assertFalse(body(response).path("accepted").asBoolean(true));
        assertEquals("the cluster is paused", error(response));
    }

    @Test
    void switchoverWithoutATargetLetsTheClusterChoose() throws Exception {
        var api = start();
        assertEquals(202, send(authorized(api, "/switchover", "")).statusCode());
        assertEquals(202, send(authorized(api, "/switchover", "{}")).statusCode());
        assertEquals(202, send(authorized(api, "/switchover", "{\"to\": null}")).statusCode());
        assertEquals(List.of("switchover", "switchover", "switchover"), commands.calls);
    }

    @Test
    void aBadMachineIdIs400() throws Exception {
        var api = start();
        for (String path : List.of("/switchover", "/failover")) {
            var response = send(authorized(api, path, "{\"to\": \"Bad-ID!\"}"));
            assertEquals(400, response.statusCode(), path);
            assertTrue(error(response).contains("invalid machine ID 'Bad-ID!'"), error(response));
            assertEquals(400, send(authorized(api, path, "{\"to\": 42}")).statusCode());
        }
        assertTrue(commands.calls.isEmpty());
    }

    @Test
    void aFailoverWithoutATargetIs400() throws Exception {
        var api = start();
        for (String body : List.of("", "{}", "{\"to\": null}")) {
            var response = send(authorized(api, "/failover", body));
            assertEquals(400, response.statusCode(), body);
            assertTrue(error(response).contains("a failover needs a target"), error(response));
        }
        assertTrue(commands.calls.isEmpty());
    }

    /**
     * Random bodies, paths, query strings and methods, with and without the token: every answer is a clear one (a 2xx,
     * or a 4xx or 503 with a JSON error), never a 500 of ours, and the server keeps answering. Seeded, so a failure
     * replays.
     */
    @Test
    void randomRequestsGetAClearAnswerAndNeverA500() throws Exception {
        var api = start();
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        Random random = new Random(Long.getLong("fuzz.seed", 20261203L));
        List<String> paths = List.of("/switchover", "/failover", "/restart", "/reinit", "/rejoin", "/pause", "/resume", "/failsafe",
                "/health/live", "/health/ready", "/health/role", "/primary", "/replica", "/member", "/cluster", "/history",
                "/health/safe-to-stop", "/metrics", "/", "/%2e%2e/etc/passwd", "/member/../cluster", "//cluster", "/health/lag");
        List<String> bodies = List.of("", "{}", "[]", "null", "{\"to\":", "{\"to\": \"" + B + "\", \"force\": \"yes\"}",
                "{\"to\": {\"nested\": true}}", "{\"discard_old\": 1}", "{\"leader\": 42}", "\u0000\u0001", "{\"to\": \"" + "a".repeat(5000) + "\"}",
                "{\"to\": \"" + B + "\"}{\"to\": \"" + C + "\"}", "{\"to\": \"\\ud800\"}", "1e9999", "{\"force\": true}");
        for (int i = 0; i < 400; i++) {
            String path = paths.get(random.nextInt(paths.size()));
            String query = random.nextInt(4) == 0 ? "?lag=" + List.of("1MB", "-1", "x", "99999999999999999999", "%00").get(random.nextInt(5)) : "";
            String body = random.nextInt(5) == 0 ? randomText(random) : bodies.get(random.nextInt(bodies.size()));
            HttpRequest.Builder request = request(api, path + query).header("Content-Type", "application/json");
            if (random.nextBoolean()) request.header("Authorization", random.nextInt(4) == 0 ? "Bearer " + randomText(random) : "Bearer " + TOKEN);
            String method = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS").get(random.nextInt(7));
            request.method(method, BodyPublishers.ofString(body));
            HttpResponse<String> response;
            try {
                response = send(request);
            } catch (IllegalArgumentException notSendable) {
                continue; // the client refused to send it (a header value it will not encode)
            }
            int status = response.statusCode();
            String what = method + " " + path + query + " with " + body.length() + " body characters: " + status + " " + response.body();
            // 503 is the health endpoints' answer for a member that is not (yet) what they ask; 500 would be ours.
            assertTrue(status < 500 || status == 503, what);
            // HEAD and OPTIONS answer a probe's status without a body (HAProxy's httpchk sends OPTIONS).
            if (status >= 400 && !method.equals("HEAD") && !method.equals("OPTIONS")) {
                assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null), what);
                assertNotNull(body(response).get("error"), what);
            }
        }
        assertEquals(200, get(api, "/health/live").statusCode(), "still answering");
    }

    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) text.append((char) (0x20 + random.nextInt(0x5f)));
        return text.toString();
    }

    @Test
    void aFailoverIsForcedOnlyWhenTheBodySaysSo() throws Exception {
        var api = start();
        assertEquals(202, send(authorized(api, "/failover", "{\"to\": \"" + B + "\"}")).statusCode());
        assertEquals(202, send(authorized(api, "/failover", "{\"to\": \"" + B + "\", \"force\": false}")).statusCode());
        assertEquals(202, send(authorized(api, "/failover", "{\"to\": \"" + B + "\", \"force\": true}")).statusCode());
        var notABoolean = send(authorized(api, "/failover", "{\"to\": \"" + B + "\", \"force\": \"yes\"}"));
        assertEquals(400, notABoolean.statusCode());
        assertEquals("\"force\" must be true or false", error(notABoolean));
        var forcedSwitchover = send(authorized(api, "/switchover", "{\"to\": \"" + B + "\", \"force\": true}"));
        assertEquals(400, forcedSwitchover.statusCode());
        assertEquals("unknown field \"force\": the only field is \"to\"", error(forcedSwitchover));
        assertEquals(List.of("failover " + B, "failover " + B, "failover " + B + " forced"), commands.calls);
    }

    @Test
    void aMalformedOrMisspeltBodyIs400() throws Exception {
        var api = start();
        assertEquals(400, send(authorized(api, "/switchover", "{\"to\": ")).statusCode());
        assertEquals(400, send(authorized(api, "/switchover", "[\"" + B + "\"]")).statusCode());
        var misspelt = send(authorized(api, "/switchover", "{\"target\": \"" + B + "\"}"));
        assertEquals(400, misspelt.statusCode());
        assertTrue(error(misspelt).contains("\"target\""), error(misspelt));
        assertTrue(commands.calls.isEmpty());
    }

    // ---- routing

    @Test
    void anUnknownPathIs404() throws Exception {
        var response = get(start(), "/nope");
        assertEquals(404, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        assertNotNull(error(response));
    }

    @Test
    void aWrongMethodIs405WithAllow() throws Exception {
        var api = start();
        var postToProbe = send(authorized(api, "/primary", ""));
        assertEquals(405, postToProbe.statusCode());
        assertEquals("GET, HEAD, OPTIONS", postToProbe.headers().firstValue("Allow").orElseThrow());
        assertNotNull(error(postToProbe));

        var getACommand = get(api, "/switchover");
        assertEquals(405, getACommand.statusCode());
        assertEquals("POST, OPTIONS", getACommand.headers().firstValue("Allow").orElseThrow());
        assertTrue(commands.calls.isEmpty());
    }

    /**
     * One client holding every connection it may (say, requests it never finishes) is refused more, while another
     * client's health check still gets its answer: the load balancers of the other members keep seeing this one.
     */
    @Test
    void oneClientAtItsConnectionLimitLeavesTheHealthChecksToOthers() throws Exception {
        var api = start();
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        try (OneClientFlood flood = OneClientFlood.open(api.port(), "/cluster")) {
            // The server closes the connections beyond the client's share, at once and without an answer.
            assertEquals(8, flood.closedByServer(), "connections closed beyond the share of " + HttpServerLimits.MAX_CONNECTIONS_PER_CLIENT);

            try (HttpClient other = HttpClient.newBuilder().localAddress(InetAddress.ofLiteral("127.0.0.4")).build()) {
                var health = other.send(request(api, "/health/live").build(), BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), health.body());
            }
        }
    }

    @Test
    void theServersOwnRefusalsAnswerInTheApisShape() throws Exception {
        var api = start();
        var tooLarge = send(request(api, "/health/live").header("X-Padding", "p".repeat(HttpServerLimits.MAX_HEADER_BYTES + 1)));
        assertEquals(431, tooLarge.statusCode());
        assertFalse(error(tooLarge).isBlank());
    }

    @Test
    void closeIsPromptEvenWithARequestInFlight() throws Exception {
        var entered = new CountDownLatch(1);
        view.history = () -> {
            entered.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        };
        var api = start();
        http.sendAsync(request(api, "/history").build(), BodyHandlers.ofString());
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        long started = System.nanoTime();
        api.close();
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(2)) < 0, "close took too long");
        var refused = http.sendAsync(request(api, "/health/live").build(), BodyHandlers.ofString());
        assertThrowsIo(refused);
    }

    // ---- safe to stop

    @Test
    void aLeaderIsSafeToStopWhenItsBestHealthyReplicaWouldTakeOver() throws Exception {
        view.lastPass = Optional.of(pass(leadingPrimary(LeaseState.HELD), NOW.minusSeconds(1)));
        var response = get(start(), "/health/safe-to-stop");
        assertEquals(200, response.statusCode(), response.body());
        // C is tagged nofailover: the hand-over goes to B, as the Decider's switchover would.
        assertTrue(body(response).path("reason").asText().contains("hands over to " + B), response.body());
        assertTrue(body(response).path("reason").asText().contains("quorum"), response.body());
    }

    @Test
    void aLeaderWithoutAReplicaThatMayTakeOverIsNotSafeToStopAndSaysWhyForEach() throws Exception {
        var members = new TreeMap<String, Member>();
        members.put(ME, member(ME, MemberRole.PRIMARY, MemberState.RUNNING, AT, AT, false));
        members.put(B, member(B, MemberRole.REPLICA, MemberState.RUNNING, AT, AT, false));
        members.put(C, member(C, MemberRole.REPLICA, MemberState.STREAMING, AT, AT, true));
        var o = observation(members, new Leader(ME, 7, NOW.minusSeconds(60)), leadingPrimary(LeaseState.HELD).local(), LeaseState.HELD);
        view.lastPass = Optional.of(pass(o, NOW.minusSeconds(1)));
        var response = get(start(), "/health/safe-to-stop");
        assertEquals(503, response.statusCode(), response.body());
        assertTrue(error(response).contains(B + " is not a streaming replica"), error(response));
        assertTrue(error(response).contains(C + " may not lead"), error(response));
    }

    @Test
    void aLeaderOfAPausedClusterIsNotSafeToStop() throws Exception {
        var o = leadingPrimary(LeaseState.HELD);
        var c = o.cluster();
        var paused = new ClusterSnapshot(c.cluster(), new Versioned<>(c.spec().value().withPaused(true), 4), c.identity(), c.members(),
                c.leader(), c.lastEpoch(), c.sync(), c.history(), c.handover());
        view.lastPass = Optional.of(pass(o.toBuilder().cluster(paused).build(), NOW.minusSeconds(1)));
        var response = get(start(), "/health/safe-to-stop");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("paused"), error(response));
    }

    @Test
    void aReplicaIsSafeToStopWhileARunningLeaderExists() throws Exception {
        view.lastPass = Optional.of(pass(streamingReplica(0), NOW.minusSeconds(1)));
        var response = get(start(), "/health/safe-to-stop");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(body(response).path("reason").asText().contains("the leader " + B + " runs"), response.body());
    }

    @Test
    void aReplicaIsNotSafeToStopWhenTheLeaderDoesNotRunAsPrimary() throws Exception {
        var members = new TreeMap<String, Member>();
        members.put(ME, member(ME, MemberRole.REPLICA, MemberState.STREAMING, AT, AT, false));
        members.put(B, member(B, MemberRole.REPLICA, MemberState.STOPPED, AT, AT, false));
        var o = observation(members, new Leader(B, 8, NOW.minusSeconds(5)), runningReplica(0, false), LeaseState.NOT_HELD);
        view.lastPass = Optional.of(pass(o, NOW.minusSeconds(1)));
        var response = get(start(), "/health/safe-to-stop");
        assertEquals(503, response.statusCode());
        assertTrue(error(response).contains("the leader " + B + " does not run as a primary"), error(response));
    }

    @Test
    void notSafeToStopWhenTheStoreQuorumWouldBreakOrTheLoopIsStale() throws Exception {
        view.lastPass = Optional.of(pass(streamingReplica(0), NOW.minusSeconds(1)));
        view.storeQuorumProblem = Optional.of("2 of 3 ensemble members would remain, and one is down");
        var api = start();
        var quorum = get(api, "/health/safe-to-stop");
        assertEquals(503, quorum.statusCode());
        assertTrue(error(quorum).contains("store's quorum: 2 of 3"), error(quorum));

        view.storeQuorumProblem = Optional.empty();
        view.lastPass = Optional.of(pass(streamingReplica(0), NOW.minusSeconds(60)));
        assertEquals(503, get(api, "/health/safe-to-stop").statusCode(), "a stale loop vouches for nothing");
    }

    // ---- helpers: the server and the client

    private HttpApi start() {
        return start(Optional.of(TOKEN));
    }

    private HttpApi start(Optional<String> token) {
        var api = HttpApi.start(new InetSocketAddress("127.0.0.1", 0), view, commands, token, Clock.fixed(NOW, ZoneOffset.UTC));
        servers.add(api);
        return api;
    }

    private static HttpRequest.Builder request(HttpApi api, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + pathAndQuery)).timeout(Duration.ofSeconds(10));
    }

    private static HttpRequest.Builder post(HttpApi api, String path, String body) {
        return request(api, path).header("Content-Type", "application/json").POST(BodyPublishers.ofString(body));
    }

    private static HttpRequest.Builder authorized(HttpApi api, String path, String body) {
        return post(api, path, body).header("Authorization", "Bearer " + TOKEN);
    }

    private HttpResponse<String> get(HttpApi api, String pathAndQuery) throws IOException, InterruptedException {
        return send(request(api, pathAndQuery).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), BodyHandlers.ofString());
    }

    private static JsonNode body(HttpResponse<String> response) throws IOException {
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null), response.body());
        return JSON.readTree(response.body());
    }

    private static String error(HttpResponse<String> response) throws IOException {
        JsonNode error = body(response).get("error");
        assertNotNull(error, "no error field in " + response.body());
        return error.asText();
    }

    private static void assertThrowsIo(java.util.concurrent.CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(5, TimeUnit.SECONDS);
            throw new AssertionError("the server still answered after close");
        } catch (java.util.concurrent.ExecutionException e) {
            assertTrue(e.getCause() instanceof IOException, e.getCause().toString());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the request neither failed nor succeeded", e);
        }
    }

    // ---- helpers: hand-made observations

    /** {@link #ME} leads epoch 7 and runs the primary; {@link #B} streams, {@link #C} streams 5000 bytes behind. */
    private static Observation leadingPrimary(LeaseState leaseState) {
        return leadingPrimary(leaseState, false);
    }

    /** @param frozen the lease reflex holds the primary still (SIGSTOP) */
    private static Observation leadingPrimary(LeaseState leaseState, boolean frozen) {
        var members = new TreeMap<String, Member>();
        members.put(ME, member(ME, MemberRole.PRIMARY, MemberState.RUNNING, AT, AT, false));
        members.put(B, member(B, MemberRole.REPLICA, MemberState.STREAMING, AT, AT, false));
        members.put(C, member(C, MemberRole.REPLICA, MemberState.STREAMING, AT - 5000, AT - 5000, true));
        var leader = new Leader(ME, 7, NOW.minusSeconds(60));
        var local = LocalPostgres.running(SYSID, TL, Server.primary(OptionalLong.of(AT))).withFrozen(frozen);
        return observation(members, leader, local, leaseState);
    }

    /** {@link #ME} streams from {@link #B} (epoch 8), {@code lagBytes} behind B's published write position. */
    private static Observation streamingReplica(long lagBytes) {
        return replicaWith(runningReplica(lagBytes, true));
    }

    private static LocalPostgres runningReplica(long lagBytes, boolean streaming) {
        var wal = new WalPositions(OptionalLong.of(AT), OptionalLong.of(AT - lagBytes));
        var following = new Following(MachineId.of(B), Optional.of(InetAddress.ofLiteral("fdaa:0:1::b")));
        return LocalPostgres.running(SYSID, TL, Server.replica(wal, Optional.of(following), streaming));
    }

    private static Observation replicaWith(LocalPostgres local) {
        var members = new TreeMap<String, Member>();
        members.put(ME, member(ME, MemberRole.REPLICA, MemberState.STREAMING, local.wal().received().orElse(-1),
                local.wal().replayed().orElse(-1), false));
        members.put(B, member(B, MemberRole.PRIMARY, MemberState.RUNNING, AT, AT, false));
        members.put(C, member(C, MemberRole.REPLICA, MemberState.STREAMING, AT - 5000, AT - 5000, true));
        return observation(members, new Leader(B, 8, NOW.minusSeconds(5)), local, LeaseState.NOT_HELD);
    }

    private static Observation observation(TreeMap<String, Member> members, Leader leader, LocalPostgres local, LeaseState leaseState) {
        var snapshot = new ClusterSnapshot("test", new Versioned<>(ClusterSpec.defaults(), 3),
                Optional.of(new ClusterIdentity(B, SYSID, NOW.minusSeconds(3600))), members, Optional.of(leader), leader.epoch(),
                Optional.empty(), List.of(), Optional.empty());
        Optional<Leader> lease = leaseState == LeaseState.HELD || leaseState == LeaseState.SUSPENDED
                ? Optional.of(leader).filter(l -> l.machineId().equals(ME)) : Optional.empty();
        return Observation.of(members.get(ME), NOW, snapshot, local,
                        new Candidacy(Optional.empty(), false, Duration.ofSeconds(5), Duration.ofSeconds(30)))
                .lease(leaseState, lease)
                .slotHolders(members.keySet().stream().map(MachineId::of).collect(Collectors.toSet()))
                .leaderAddress(Optional.of(leader.machineId()).filter(id -> !id.equals(ME)).map(id -> InetAddress.ofLiteral("fdaa:0:1::b")))
                .build();
    }

    private static Observation withHandover(Observation o, HandoverRequest handover) {
        var c = o.cluster();
        var snapshot = new ClusterSnapshot(c.cluster(), c.spec(), c.identity(), c.members(), c.leader(), c.lastEpoch(), c.sync(),
                c.history(), Optional.of(handover));
        return o.toBuilder().cluster(snapshot).build();
    }

    private static Member member(String id, MemberRole role, MemberState state, long received, long replayed, boolean noFailover) {
        return new Member(id, "ams", role, state, TL, received, replayed, new Member.Tags(noFailover, 0), 5433, 8008, NOW.minusMillis(500));
    }

    private static Pass pass(Observation o, Instant finishedAt) {
        String reason = o.iLead() ? "no action: I am the leader with the lease, epoch 7" : "no action: streaming from " + B;
        return new Pass(o, Decision.none(reason), finishedAt);
    }

    // ---- the sidecar, by hand

    private static final class FakeView implements SidecarView {
        volatile Optional<Pass> lastPass = Optional.empty();
        volatile Duration loopWait = Duration.ofSeconds(1);
        volatile long readinessLagBytes = 16 * MB;
        final Map<String, InetAddress> addresses = new ConcurrentHashMap<>();
        volatile Supplier<List<HistoryEntry>> history = List::of;
        volatile Optional<String> storeQuorumProblem = Optional.empty();
        final List<String> failsafeAsks = new CopyOnWriteArrayList<>();
        volatile String follows = B;

        @Override
        public Optional<String> promiseToFollow(MachineId leader) {
            failsafeAsks.add(leader.value());
            return leader.value().equals(follows) ? Optional.empty() : Optional.of("I follow " + follows);
        }

        @Override
        public Optional<String> whyStopBreaksStoreQuorum() {
            return storeQuorumProblem;
        }

        volatile RewriterReport rewriter = RewriterReport.off("rewriter.enabled is false", 0);

        @Override
        public Optional<Pass> lastPass() {
            return lastPass;
        }

        @Override
        public Duration loopWait() {
            return loopWait;
        }

        @Override
        public long readinessLagBytes() {
            return readinessLagBytes;
        }

        @Override
        public Optional<InetAddress> addressOf(MachineId machineId) {
            return Optional.ofNullable(addresses.get(machineId.value()));
        }

        @Override
        public List<HistoryEntry> history() {
            return history.get();
        }

        @Override
        public RewriterReport rewriter() {
            return rewriter;
        }
    }

    private static final class FakeCommands implements OperatorCommands {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile Result result = Result.accepted("ok");

        private Result record(String call) {
            calls.add(call);
            return result;
        }

        @Override
        public Result switchover(Optional<String> to) {
            return record("switchover" + to.map(t -> " " + t).orElse(""));
        }

        @Override
        public Result failover(String to, boolean force) {
            return record("failover " + to + (force ? " forced" : ""));
        }

        @Override
        public Result restart() {
            return record("restart");
        }

        @Override
        public Result reinit(boolean discardOld) {
            return record(discardOld ? "reinit discarding the old data" : "reinit");
        }

        @Override
        public Result rejoin() {
            return record("rejoin");
        }

        @Override
        public Result pause() {
            return record("pause");
        }

        @Override
        public Result resume() {
            return record("resume");
        }
    }
}
