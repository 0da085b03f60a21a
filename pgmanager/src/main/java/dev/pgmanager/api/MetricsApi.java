package dev.pgmanager.api;

import com.fasterxml.jackson.databind.node.TextNode;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The Prometheus endpoint, {@code GET /metrics}, on a Jetty server of its own with every limit the API keeps
 * ({@link HttpApi#serve}: connections in all and per client, deadlines, header sizes). Until 2026-12-06 it was the
 * Prometheus library's server on the JDK's built-in one: a second HTTP server in every sidecar, with its own threads,
 * and no per-client share.
 */
public final class MetricsApi {
    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();
    private static final OpenMetricsTextFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();

    private MetricsApi() {}

    /** Serves {@code registry}'s metrics on {@code listen}, until the returned server is closed. */
    public static HttpApi serve(InetSocketAddress listen, PrometheusRegistry registry) {
        return HttpApi.serve(listen, new ApiRouter().get("/metrics", request -> scrape(registry, request.headers().apply("Accept"))),
                "metrics");
    }

    /** The registry's metrics now, in OpenMetrics when the client's {@code Accept} asks for it, else Prometheus's text format. */
    static ApiResponse scrape(PrometheusRegistry registry, Optional<String> accept) {
        ExpositionFormatWriter writer = OPEN_METRICS.accepts(accept.orElse(null)) ? OPEN_METRICS : TEXT;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ApiResponse(200, TextNode.valueOf(out.toString(StandardCharsets.UTF_8)), Map.of("Content-Type", writer.getContentType()));
    }
}
