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
 */
record ApiRequest(String method, String path, Map<String, String> query, Function<String, Optional<String>> headers, byte[] body, String remote) {

    ApiRequest {
        query = Map.copyOf(query);
    }

    Optional<String> queryParameter(String name) {
        return Optional.ofNullable(query.get(name));
    }

    Optional<String> header(String name) {
        return headers.apply(name);
    }
}
