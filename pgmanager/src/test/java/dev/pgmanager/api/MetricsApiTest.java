package dev.pgmanager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.Test;

/** {@code /metrics}: both text formats by the client's Accept, and the API's limits on its own server. */
class MetricsApiTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private HttpApi serve() {
        Counter.builder().name("pgmanager_test_events").help("events").register(registry).inc(3);
        return MetricsApi.serve(new InetSocketAddress("127.0.0.1", 0), registry);
    }

    private static HttpRequest.Builder request(HttpApi server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    }

    @Test
    void servesThePrometheusTextFormatAndOpenMetricsWhenAsked() throws Exception {
        try (HttpApi server = serve(); HttpClient http = HttpClient.newHttpClient()) {
            var text = http.send(request(server, "/metrics").build(), BodyHandlers.ofString());
            assertEquals(200, text.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", text.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(text.body().contains("pgmanager_test_events_total 3.0"), text.body());

            var open = http.send(request(server, "/metrics").header("Accept", "application/openmetrics-text; version=1.0.0").build(),
                    BodyHandlers.ofString());
            assertEquals(200, open.statusCode());
            assertTrue(open.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"), open.headers().toString());
            assertTrue(open.body().contains("pgmanager_test_events_total 3.0") && open.body().endsWith("# EOF\n"), open.body());

            var head = http.send(request(server, "/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), BodyHandlers.ofString());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            var elsewhere = http.send(request(server, "/member").build(), BodyHandlers.ofString());
            assertEquals(404, elsewhere.statusCode());
            assertTrue(elsewhere.body().contains("\"error\""), elsewhere.body());
        }
    }

    /** As the API: one client's connections beyond its share are closed at once, and another client still scrapes. */
    @Test
    void oneClientAtItsConnectionLimitLeavesTheScrapesToOthers() throws Exception {
        try (HttpApi server = serve(); OneClientFlood flood = OneClientFlood.open(server.port(), "/metrics")) {
            assertEquals(8, flood.closedByServer(), "connections closed beyond the share of " + HttpServerLimits.MAX_CONNECTIONS_PER_CLIENT);
            try (HttpClient other = HttpClient.newBuilder().localAddress(InetAddress.ofLiteral("127.0.0.4")).build()) {
                assertEquals(200, other.send(request(server, "/metrics").build(), BodyHandlers.ofString()).statusCode());
            }
        }
    }
}
