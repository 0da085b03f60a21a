package dev.pgmanager.config;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The sidecar's HTTP API.
 *
 * @param listen where to listen; a literal address is resolved, a host name is kept unresolved
 * @param token  the bearer token the write endpoints require; without one they refuse every request
 */
public record ApiConfig(InetSocketAddress listen, Optional<String> token) {
    public ApiConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(token, "token");
    }

    @Override
    public String toString() {
        return "ApiConfig[listen=" + listen + ", token=" + token.map(secret -> Secrets.MASK).orElse("(none)") + "]";
    }
}
