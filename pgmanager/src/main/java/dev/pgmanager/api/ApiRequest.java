package dev.pgmanager.api;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One HTTP request as the endpoints see it.
 *
 * @param method the HTTP method as sent (upper case)
 * @param path the decoded path, without a trailing slash
 * @param query decoded query parameters; the first value wins when one is repeated
 * @param headers a request header's first value, by name (case-insensitive)
 * @param body the request body (empty for methods that carry none)
 * @param remote who sent it, for the audit log
 * @param remoteAddress the address it came from, when known
 */
record ApiRequest(String method, String path, Map<String, String> query, Function<String, Optional<String>> headers, byte[] body, String remote,
        Optional<java.net.InetAddress> remoteAddress) {

    ApiRequest(String method, String path, Map<String, String> query, Function<String, Optional<String>> headers, byte[] body, String remote) {
        this(method, path, query, headers, body, remote, Optional.empty());
    }

    /** The path's last segment: the name in {@code /commands/users/NAME}. */
    String lastSegment() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    ApiRequest {
        query = Map.copyOf(query);
        remoteAddress = remoteAddress == null ? Optional.empty() : remoteAddress;
    }

    Optional<String> queryParameter(String name) {
        return Optional.ofNullable(query.get(name));
    }

    Optional<String> header(String name) {
        return headers.apply(name);
    }
}
