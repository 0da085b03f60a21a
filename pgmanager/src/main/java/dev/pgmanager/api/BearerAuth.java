package dev.pgmanager.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Admits a request only when it carries this member's API token as {@code Authorization: Bearer <token>}. */
final class BearerAuth {
    static final String NOT_CONFIGURED =
            "no API token is configured on this member (set OPERATOR_PASSWORD or api.token)";

    private static final String SCHEME = "bearer ";

    private final Optional<byte[]> token;

    BearerAuth(Optional<String> token) {
        // A blank token would admit anyone who sends an empty one: treat it as none.
        this.token = token.filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ApiError 401 unless the request carries the configured token */
    void require(ApiRequest request) {
        if (token.isEmpty()) throw ApiError.of(401, NOT_CONFIGURED);
        Optional<byte[]> presented = request.header("Authorization")
                .filter(value -> value.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
                .map(value -> value.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8));
        // isEqual takes time in the length of the presented value only, so timing reveals nothing of the token.
        if (presented.isEmpty() || !MessageDigest.isEqual(presented.get(), token.get())) {
            String message = presented.isEmpty()
                    ? "this request needs the API token: send Authorization: Bearer <token>"
                    : "the API token is wrong";
            throw new ApiError(ApiResponse.error(401, message).withHeader("WWW-Authenticate", "Bearer"));
        }
    }
}
