package dev.pgmanager.api;

import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to its endpoint and writes the answer, turning every failure into a JSON error. Answers
 * {@code HEAD} and {@code OPTIONS} for every {@code GET} endpoint with the status {@code GET} would give and no body,
 * because load balancers probe with them (HAProxy's {@code option httpchk OPTIONS /primary}).
 */
final class ApiRouter extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(ApiRouter.class);

    /** Command bodies are a few bytes; anything near this is not a command. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    /** The work behind one path and method. */
    @FunctionalInterface
    interface Endpoint {
        ApiResponse handle(ApiRequest request);
    }

    private final Map<String, Map<String, Endpoint>> routes = new TreeMap<>();
    /** Paths that end in one name ({@code /commands/users/NAME}), by the part before it; exact paths win. */
    private final Map<String, Map<String, Endpoint>> named = new TreeMap<>();

    ApiRouter get(String path, Endpoint endpoint) {
        return add("GET", path, endpoint);
    }

    ApiRouter post(String path, Endpoint endpoint) {
        return add("POST", path, endpoint);
    }

    /** {@code prefix} ends in '/'; the endpoint reads the name from the path's last segment. */
    ApiRouter getNamed(String prefix, Endpoint endpoint) {
        named.computeIfAbsent(prefix, p -> new LinkedHashMap<>()).put("GET", endpoint);
        return this;
    }

    ApiRouter deleteNamed(String prefix, Endpoint endpoint) {
        named.computeIfAbsent(prefix, p -> new LinkedHashMap<>()).put("DELETE", endpoint);
        return this;
    }

    private ApiRouter add(String method, String path, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, endpoint);
        return this;
    }

    private Map<String, Endpoint> methodsOf(String path) {
        Map<String, Endpoint> exact = routes.get(path);
        if (exact != null) return exact;
        int slash = path.lastIndexOf('/');
        if (slash < 0 || slash == path.length() - 1) return null;
        return named.get(path.substring(0, slash + 1));
    }

    /** Runs on a virtual thread of its own (the handler blocks), so one slow endpoint holds up no other request. */
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        boolean withBody = !method.equals("HEAD") && !method.equals("OPTIONS");
        send(response, answer(request, method), withBody, callback);
        return true;
    }

    private ApiResponse answer(Request exchange, String method) {
        String path = normalize(exchange.getHttpURI().getDecodedPath());
        try {
            // Read whatever the method: a body left unread makes the server close the connection after the answer,
            // unannounced, and a client that reuses it sees its next request fail.
            byte[] body = readBody(Content.Source.asInputStream(exchange));
            Map<String, Endpoint> methods = methodsOf(path);
            if (methods == null) return ApiResponse.error(404, "no such endpoint: " + path);
            String allow = String.join(", ", allowed(methods));
            Endpoint endpoint = switch (method) {
                case "HEAD", "OPTIONS" -> methods.get("GET");
                default -> methods.get(method);
            };
            if (endpoint == null) {
                if (method.equals("OPTIONS")) return new ApiResponse(204, null, Map.of("Allow", allow));
                return ApiResponse.error(405, method + " is not allowed on " + path + " (allowed: " + allow + ")")
                        .withHeader("Allow", allow);
            }
            ApiResponse response = endpoint.handle(request(exchange, method, path, body));
            return method.equals("OPTIONS") ? response.withHeader("Allow", allow) : response;
        } catch (ApiError e) {
            return e.response();
        } catch (StoreUnavailableException e) {
            return ApiResponse.error(503, "the cluster store is unavailable: " + e.getMessage());
        } catch (StoreException e) {
            // Store messages are written for operators and hold no secrets.
            log.warn("{} {} failed in the store: {}", method, path, e.getMessage());
            return ApiResponse.error(500, "the cluster store failed: " + e.getMessage());
        } catch (RuntimeException | IOException e) {
            log.error("{} {} failed", method, path, e);
            return ApiResponse.error(500, "internal error answering " + method + " " + path + "; the sidecar's log has the details");
        }
    }

    private static Set<String> allowed(Map<String, Endpoint> methods) {
        var allowed = new LinkedHashSet<>(methods.keySet());
        if (allowed.contains("GET")) allowed.add("HEAD");
        allowed.add("OPTIONS");
        return allowed;
    }

    private static String normalize(String path) {
        if (path == null || path.isEmpty()) return "/";
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static ApiRequest request(Request exchange, String method, String path, byte[] body) {
        var headers = exchange.getHeaders();
        return new ApiRequest(method, path, query(exchange.getHttpURI().getQuery()), name -> Optional.ofNullable(headers.get(name)),
                body, String.valueOf(exchange.getConnectionMetaData().getRemoteSocketAddress()),
                exchange.getConnectionMetaData().getRemoteSocketAddress() instanceof java.net.InetSocketAddress a
                        ? Optional.ofNullable(a.getAddress()) : Optional.empty());
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) throw ApiError.of(413, "the request body is larger than " + MAX_BODY_BYTES + " bytes");
        return body;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return query;
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            query.putIfAbsent(name, value);
        }
        return query;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("the query string is not properly encoded");
        }
    }

    private static void send(Response exchange, ApiResponse response, boolean withBody, Callback callback) {
        exchange.setStatus(response.status());
        var headers = exchange.getHeaders();
        response.headers().forEach(headers::put);
        if (response.body() == null) {
            callback.succeeded();
            return;
        }
        boolean text = response.headers().containsKey("Content-Type");
        if (!text) headers.put(HttpHeader.CONTENT_TYPE, "application/json");
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        if (!withBody) {
            callback.succeeded();
            return;
        }
        byte[] bytes;
        try {
            bytes = text ? response.body().asText().getBytes(StandardCharsets.UTF_8) : Json.MAPPER.writeValueAsBytes(response.body());
        } catch (IOException e) {
            Response.writeError(exchange.getRequest(), exchange, callback, 500, "the answer could not be written as JSON");
            return;
        }
        // A client that went away mid-answer fails the callback: nothing left to tell anyone.
        exchange.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
