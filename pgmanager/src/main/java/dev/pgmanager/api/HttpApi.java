package dev.pgmanager.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The sidecar's HTTP API: health probes for platforms and load balancers, views of this member and the cluster, and
 * token-protected operator commands. Served by Jetty, every request on a virtual thread of its own, so one call stuck
 * on the store or on DNS never holds up the probes. {@link HttpServerLimits} bound what all clients together and
 * {@link ClientConnections} what one client can hold, so that a slow or hostile client never starves the health
 * checks of the others.
 */
public final class HttpApi implements AutoCloseable {
    private final Server server;
    private final int port;
    private final ClientConnections clients;

    private HttpApi(Server server, int port, ClientConnections clients) {
        this.server = server;
        this.port = port;
        this.clients = clients;
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
        return start(listen, view, commands, Optional.empty(), token, clock);
    }

    /** As above, with the backup commands served by {@code backups} (empty: the cluster has no backups, and says so). */
    public static HttpApi start(InetSocketAddress listen, SidecarView view, OperatorCommands commands,
            Optional<dev.pgmanager.backup.BackupKeeper> backups, Optional<String> token, Clock clock) {
        HealthEndpoints health = new HealthEndpoints(view, clock, clock.instant());
        InfoEndpoints info = new InfoEndpoints(view);
        BearerAuth auth = new BearerAuth(token);
        OperatorEndpoints operator = new OperatorEndpoints(commands, auth);
        FailsafeEndpoint failsafe = new FailsafeEndpoint(view, auth);
        BackupEndpoints backup = new BackupEndpoints(backups, auth);
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
                .post("/failsafe", failsafe::confirm)
                .post("/backups", backup::create)
                .post("/backups/list", backup::list)
                .post("/backups/verify", backup::verify)
                .post("/backups/delete", backup::delete);
        return serve(listen, router, "the HTTP API");
    }

    /** Serves {@code router} on {@code listen} with the limits every API of the sidecar keeps; {@code what} names it in errors. */
    static HttpApi serve(InetSocketAddress listen, ApiRouter router, String what) {
        var pool = new VirtualThreadPool();
        pool.setName("pgmanager-api");
        Server server = new Server(pool);
        server.setStopTimeout(0);
        var http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(HttpServerLimits.MAX_HEADER_BYTES);
        http.setMinRequestDataRate(HttpServerLimits.MIN_BODY_BYTES_PER_SECOND);
        // The API matches whole decoded paths against a fixed list and serves no files, so an ambiguous path
        // ("/%2e%2e/x", "//cluster") is just a path that names no endpoint: it gets the API's 404, not a server error
        // page that ends the connection.
        http.setUriCompliance(UriCompliance.LEGACY);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(listen.getAddress().getHostAddress());
        connector.setPort(listen.getPort());
        connector.setIdleTimeout(HttpServerLimits.IDLE_SECONDS * 1000L);
        var clients = new ClientConnections(HttpServerLimits.MAX_CONNECTIONS_PER_CLIENT,
                Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS));
        connector.addBean(clients);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(HttpServerLimits.MAX_CONNECTIONS, connector));
        server.setErrorHandler(new JsonErrors());
        server.setHandler(router);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            clients.close();
            throw new UncheckedIOException("cannot listen for " + what + " on " + listen + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        return new HttpApi(server, connector.getLocalPort(), clients);
    }

    /** The port actually bound, useful after listening on port 0. */
    public int port() {
        return port;
    }

    /** Stops listening at once and interrupts requests still running; does not wait for them. */
    @Override
    public void close() {
        stopQuietly(server);
        clients.close();
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway: the connector is closed first, and nothing else is left to release
        }
    }
}
