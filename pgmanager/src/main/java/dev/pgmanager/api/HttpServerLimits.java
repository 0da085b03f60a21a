package dev.pgmanager.api;

/**
 * What one HTTP client can hold of a sidecar, for both of its servers (the API and {@code /metrics}, each the JDK's
 * built-in server, which reads these settings once, when the first server starts). Without them a client that sends
 * a header line every few seconds keeps its connection, its thread and its growing header buffer for as long as it
 * likes, and a few hundred such clients exhaust a small heap.
 *
 * <p>Set as the JDK server's system properties unless already set (an operator's {@code -D} wins).
 */
public final class HttpServerLimits {
    /** Connections open at once on one server; beyond it the server accepts no more until some close. */
    public static final int MAX_CONNECTIONS = 128;
    /**
     * Seconds a request may take to arrive, request line, headers and body: a client trickling headers is cut off.
     * A new connection that sends nothing is closed after as long.
     */
    public static final int MAX_REQUEST_SECONDS = 10;
    /** Bytes of request headers: the API's requests carry a handful of short ones. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    public static final int MAX_HEADERS = 64;
    /** Seconds an idle kept-alive connection stays open. */
    public static final int IDLE_SECONDS = 30;

    private HttpServerLimits() {}

    /** Sets the limits before the first server starts; later calls change nothing. */
    public static void apply() {
        setIfAbsent("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
        setIfAbsent("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", MAX_HEADER_BYTES);
        setIfAbsent("sun.net.httpserver.maxReqHeaders", MAX_HEADERS);
        setIfAbsent("sun.net.httpserver.idleInterval", IDLE_SECONDS);
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) System.setProperty(property, Integer.toString(value));
    }
}
