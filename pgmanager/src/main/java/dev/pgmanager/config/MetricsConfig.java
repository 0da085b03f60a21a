package dev.pgmanager.config;

import java.net.InetSocketAddress;

/**
 * Where the sidecar serves its Prometheus metrics.
 *
 * @param listen address and port of the plain-HTTP {@code /metrics} endpoint
 */
public record MetricsConfig(InetSocketAddress listen) {}
