package dev.pgmanager.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/** Admits a request only when it carries this member's API token as {@code Authorization: Bearer <token>}. */
final class BearerAuth {
    static final String NOT_CONFIGURED =
            "no API token is configured on this member (set OPERATOR_PASSWORD or api.token)";

    private static final String SCHEME = "bearer ";

    /** The token's SHA-256 digest; the token itself is not kept. */
    private final Optional<byte[]> token;

    BearerAuth(Optional<String> token) {
        // A blank token would admit anyone who sends an empty one: treat it as none.
        this.token = token.filter(t -> !t.isBlank()).map(BearerAuth::sha256);
    }

    /** @throws ApiError 401 unless the request carries the configured token */
    void require(ApiRequest request) {
        if (token.isEmpty()) throw ApiError.of(401, NOT_CONFIGURED);
        Optional<byte[]> presented = request.header("Authorization")
                .filter(value -> value.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
                .map(value -> sha256(value.substring(SCHEME.length()).strip()));
        // Digests of equal length compared in constant time: timing reveals neither the token's bytes nor its length.
        if (presented.isEmpty() || !MessageDigest.isEqual(presented.get(), token.get())) {
            String message = presented.isEmpty()
                    ? "this request needs the API token: send Authorization: Bearer <token>"
                    : "the API token is wrong";
            throw new ApiError(ApiResponse.error(401, message).withHeader("WWW-Authenticate", "Bearer"));
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
