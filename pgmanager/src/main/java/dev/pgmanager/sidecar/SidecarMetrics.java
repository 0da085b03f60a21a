package dev.pgmanager.sidecar;

import dev.pgmanager.api.RewriterReport;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * The sidecar's Prometheus metrics on plain HTTP ({@code /metrics}). Every value is read from the part that owns it
 * at scrape time, so nothing here can drift from what {@code /member} reports.
 */
final class SidecarMetrics implements AutoCloseable {
    private final HTTPServer server;

    private SidecarMetrics(HTTPServer server) {
        this.server = server;
    }

    static SidecarMetrics start(InetSocketAddress listen, Supplier<RewriterReport> rewriter) {
        PrometheusRegistry registry = new PrometheusRegistry();
        GaugeWithCallback.builder()
                .name("pgmanager_rewriter_enabled")
                .help("1 while the stale-address rewriter is attached and kept in step with the address history, "
                        + "0 when it is off; the reason label says why it is off")
                .labelNames("reason")
                .callback(callback -> {
                    RewriterReport report = rewriter.get();
                    callback.call(report.on() ? 1 : 0, report.reason().orElse(""));
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("pgmanager_rewriter_entries")
                .help("Old addresses the rewriter currently redirects")
                .callback(callback -> callback.call(rewriter.get().entries()))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_rewriter_hits_total")
                .help("Connects and datagrams rewritten through the current entries")
                .callback(callback -> callback.call(rewriter.get().hits()))
                .register(registry);
        CounterWithCallback.builder()
                .name("pgmanager_rewriter_stale_uses_total")
                .help("Rewrites reported since the sidecar started: a process on this machine dialed a member's old address")
                .callback(callback -> callback.call(rewriter.get().staleUses()))
                .register(registry);
        try {
            return new SidecarMetrics(HTTPServer.builder()
                    .inetAddress(listen.getAddress())
                    .port(listen.getPort())
                    .registry(registry)
                    .buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + listen + ": " + e.getMessage(), e);
        }
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
