package dev.pgmanager.config;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The sidecar's HTTP API.
 *
 * @param listen where to listen; a literal address is resolved, a host name is kept unresolved
 * @param token  the bearer token the write endpoints require; without one they refuse every request
 * @param flyListen where the flyctl API (Fly's checks and {@code /commands}) listens; absent: not served
 * @param flyAdminFrom who may make its changing calls: {@code peers}, {@code network} or {@code local}
 */
public record ApiConfig(InetSocketAddress listen, Optional<String> token, Optional<InetSocketAddress> flyListen, String flyAdminFrom) {
    public ApiConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(flyListen, "flyListen");
        Objects.requireNonNull(flyAdminFrom, "flyAdminFrom");
    }

    /** Without the flyctl API. */
    public ApiConfig(InetSocketAddress listen, Optional<String> token) {
        this(listen, token, Optional.empty(), "peers");
    }

    @Override
    public String toString() {
        return "ApiConfig[listen=" + listen + ", token=" + token.map(secret -> Secrets.MASK).orElse("(none)") + ", flyListen="
                + flyListen.map(String::valueOf).orElse("(off)") + ", flyAdminFrom=" + flyAdminFrom + "]";
    }
}
