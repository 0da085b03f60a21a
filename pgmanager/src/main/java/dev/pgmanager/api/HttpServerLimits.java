package dev.pgmanager.api;

/**
 * What HTTP clients can hold of each of a sidecar's two servers, the API and {@code /metrics} (both Jetty, see
 * {@link HttpApi}). Without them a client that sends a header line every few seconds keeps its connection, its thread
 * and its growing header buffer for as long as it likes, and a few hundred such clients exhaust a small heap.
 */
public final class HttpServerLimits {
    /** Connections open at once on one server; beyond it the server accepts no more until some close. */
    public static final int MAX_CONNECTIONS = 128;
    /**
     * Connections open at once from one client address: a load balancer's checks and an operator's
     * commands need a few; a client at the limit leaves the other connections to everyone else.
     */
    public static final int MAX_CONNECTIONS_PER_CLIENT = 16;
    /** A request body that arrives slower than this is refused (the API's bodies are a few hundred bytes). */
    public static final long MIN_BODY_BYTES_PER_SECOND = 1024;
    /**
     * Seconds a request may take to arrive, request line, headers and body: a client trickling headers is cut off.
     * A new connection that sends nothing is closed after as long.
     */
    public static final int MAX_REQUEST_SECONDS = 10;
    /** Bytes of request headers: the API's requests carry a handful of short ones. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Seconds an idle kept-alive connection stays open. */
    public static final int IDLE_SECONDS = 30;

    private HttpServerLimits() {}
}
