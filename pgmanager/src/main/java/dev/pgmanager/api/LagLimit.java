package dev.pgmanager.api;

import dev.pgmanager.config.Sizes;

/** The lag a probe tolerates: {@code ?lag=} as bytes or a size like {@code 16MB}, else the configured default. */
final class LagLimit {
    private LagLimit() {}

    static long of(ApiRequest request, long defaultBytes) {
        return request.queryParameter("lag").map(LagLimit::parse).orElse(defaultBytes);
    }

    private static long parse(String text) {
        try {
            return Sizes.parseBytes(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("lag: " + e.getMessage());
        }
    }
}
