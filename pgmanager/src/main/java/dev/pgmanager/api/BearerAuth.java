package dev.pgmanager.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Admits a request only when it carries this member's API token as {@code Authorization: Bearer <token>}. */
final class BearerAuth {
    static final String NOT_CONFIGURED =
            "no API token is configured on this member (set PGMANAGER_API_TOKEN or api.token)";

    private static final String SCHEME = "bearer ";
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(BearerAuth.class);

    private final AtomicLong lastReport = new AtomicLong();
    private final AtomicInteger unreported = new AtomicInteger();

    /** The token's SHA-256 digest; the token itself is not kept. */
    private final Optional<byte[]> token;

    BearerAuth(Optional<String> token) {
        // A blank token would admit anyone who sends an empty one: treat it as none.
        this.token = token.filter(t -> !t.isBlank()).map(BearerAuth::sha256);
    }

    /** @throws ApiError 401 unless the request carries the configured token */
    void require(ApiRequest request) {
        if (token.isEmpty()) {
            rejected(request, "no API token is configured");
            throw ApiError.of(401, NOT_CONFIGURED);
        }
        Optional<byte[]> presented = request.header("Authorization")
                .filter(value -> value.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
                .map(value -> sha256(value.substring(SCHEME.length()).strip()));
        // Digests of equal length compared in constant time: timing reveals neither the token's bytes nor its length.
        if (presented.isEmpty() || !MessageDigest.isEqual(presented.get(), token.get())) {
            String message = presented.isEmpty()
                    ? "this request needs the API token: send Authorization: Bearer <token>"
                    : "the API token is wrong";
            rejected(request, presented.isEmpty() ? "no token" : "a wrong token");
            throw new ApiError(ApiResponse.error(401, message).withHeader("WWW-Authenticate", "Bearer"));
        }
    }

    /**
     * Leaves a trace of a rejected call, who and what, at most once per {@link #REPORT_EVERY}: someone guessing tokens
     * shows in the log without being able to flood it.
     */
    private void rejected(ApiRequest request, String why) {
        long now = System.nanoTime();
        long last = lastReport.get();
        if (last != 0 && now - last < REPORT_EVERY.toNanos() || !lastReport.compareAndSet(last, now == 0 ? 1 : now)) {
            unreported.incrementAndGet();
            return;
        }
        int more = unreported.getAndSet(0);
        log.warn("rejected {} {} from {}: {}{}", request.method(), request.path(), request.remote(), why,
                more == 0 ? "" : " (and " + more + " more rejected calls since the last report)");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
