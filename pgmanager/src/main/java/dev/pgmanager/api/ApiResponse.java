package dev.pgmanager.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an endpoint answers: a status, a JSON body and any extra headers.
 *
 * @param status the HTTP status
 * @param body the JSON body (HEAD and OPTIONS answers leave it out)
 * @param headers extra response headers, besides the content type
 */
record ApiResponse(int status, JsonNode body, Map<String, String> headers) {

    ApiResponse {
        headers = Map.copyOf(headers);
    }

    static ApiResponse json(int status, JsonNode body) {
        return new ApiResponse(status, body, Map.of());
    }

    /** Every failure answers the same shape, so that clients read one field whatever went wrong. */
    static ApiResponse error(int status, String message) {
        return json(status, Json.object().put("error", message));
    }

    /** Plain text, as Fly's machine checks show it (their output is the body). */
    static ApiResponse text(int status, String text) {
        return new ApiResponse(status, com.fasterxml.jackson.databind.node.TextNode.valueOf(text),
                Map.of("Content-Type", "text/plain; charset=utf-8"));
    }

    ApiResponse withHeader(String name, String value) {
        var more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiResponse(status, body, more);
    }
}
