package dev.pgmanager.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to its endpoint and writes the answer, turning every failure into a JSON error. Answers
 * {@code HEAD} and {@code OPTIONS} for every {@code GET} endpoint with the status {@code GET} would give and no body,
 * because load balancers probe with them (HAProxy's {@code option httpchk OPTIONS /primary}).
 */
final class ApiRouter implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiRouter.class);

    /** Command bodies are a few bytes; anything near this is not a command. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    /** The work behind one path and method. */
    @FunctionalInterface
    interface Endpoint {
        ApiResponse handle(ApiRequest request);
    }

    private final Map<String, Map<String, Endpoint>> routes = new TreeMap<>();

    ApiRouter get(String path, Endpoint endpoint) {
        return add("GET", path, endpoint);
    }

    ApiRouter post(String path, Endpoint endpoint) {
        return add("POST", path, endpoint);
    }

    private ApiRouter add(String method, String path, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, endpoint);
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            String method = exchange.getRequestMethod();
            boolean withBody = !method.equals("HEAD") && !method.equals("OPTIONS");
            ApiResponse response = answer(exchange, method);
            send(exchange, response, withBody);
        } catch (IOException | RuntimeException e) {
            // The client went away mid-answer, or the server is closing: nothing left to tell anyone.
            log.debug("could not send the answer to {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        }
    }

    private ApiResponse answer(HttpExchange exchange, String method) {
        String path = normalize(exchange.getRequestURI().getPath());
        try {
            Map<String, Endpoint> methods = routes.get(path);
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
            ApiResponse response = endpoint.handle(request(exchange, method, path));
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

    private static ApiRequest request(HttpExchange exchange, String method, String path) throws IOException {
        byte[] body = method.equals("POST") ? readBody(exchange.getRequestBody()) : new byte[0];
        return new ApiRequest(method, path, query(exchange.getRequestURI().getRawQuery()), exchange.getRequestHeaders(), body,
                String.valueOf(exchange.getRemoteAddress()));
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

    private static void send(HttpExchange exchange, ApiResponse response, boolean withBody) throws IOException {
        var headers = exchange.getResponseHeaders();
        response.headers().forEach(headers::set);
        if (response.body() == null) {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        headers.set("Content-Type", "application/json");
        headers.set("Cache-Control", "no-store");
        if (!withBody) {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        byte[] bytes = Json.MAPPER.writeValueAsBytes(response.body());
        exchange.sendResponseHeaders(response.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
