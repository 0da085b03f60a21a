package dev.pgmanager.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The sidecar's HTTP API: health probes for platforms and load balancers, views of this member and the cluster, and
 * token-protected operator commands. Every request runs on its own virtual thread, so one call stuck on the store
 * or on DNS never holds up the probes; {@link HttpServerLimits} bound what a slow or hostile client can hold.
 */
public final class HttpApi implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private HttpApi(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts listening at once.
     *
     * @param listen where to listen (port 0 picks a free port; see {@link #port()})
     * @param view what the API reports
     * @param commands what an operator may ask
     * @param token the bearer token operator commands need; without one, every command is refused
     * @param clock judges how old the last pass is
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static HttpApi start(InetSocketAddress listen, SidecarView view, OperatorCommands commands, Optional<String> token,
            Clock clock) {
        HealthEndpoints health = new HealthEndpoints(view, clock, clock.instant());
        InfoEndpoints info = new InfoEndpoints(view);
        BearerAuth auth = new BearerAuth(token);
        OperatorEndpoints operator = new OperatorEndpoints(commands, auth);
        FailsafeEndpoint failsafe = new FailsafeEndpoint(view, auth);
        ApiRouter router = new ApiRouter()
                .get("/health/live", health::live)
                .get("/health/ready", health::ready)
                .get("/health/role", health::role)
                .get("/primary", health::primary)
                .get("/replica", health::replica)
                .get("/health/safe-to-stop", health::safeToStop)
                .get("/member", info::member)
                .get("/cluster", info::cluster)
                .get("/history", info::history)
                .post("/switchover", operator::switchover)
                .post("/failover", operator::failover)
                .post("/restart", operator::restart)
                .post("/reinit", operator::reinit)
                .post("/rejoin", operator::rejoin)
                .post("/pause", operator::pause)
                .post("/resume", operator::resume)
                .post("/failsafe", failsafe::confirm);

        HttpServerLimits.apply();
        HttpServer server;
        try {
            server = HttpServer.create(listen, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for the HTTP API on " + listen + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pgmanager-api-", 0).factory());
        server.setExecutor(executor);
        server.createContext("/", router);
        server.start();
        return new HttpApi(server, executor);
    }

    /** The port actually bound, useful after listening on port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops listening at once and interrupts requests still running; does not wait for them. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
