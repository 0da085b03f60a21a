package dev.pgmanager.config;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code pgmanager run} needs to know, validated. Built by {@link SidecarConfigLoader}.
 *
 * @param machineId     this member's identity for life; addresses change, this does not
 * @param app           the cluster's name in the store
 * @param primaryRegion the region leaders should come from; absent means any region may lead
 * @param address       this machine's current address, when the platform tells us; never stored
 * @param disk          when the primary refuses user writes because its volume is nearly full
 * @param backup        WAL archiving and base backups to object storage
 * @param migration     a primary outside the cluster that it starts as a standby of, when moving over
 */
public record SidecarConfig(String machineId, String app, String region, Optional<String> primaryRegion,
                            boolean failoverOutsidePrimaryRegion, Optional<InetAddress> address, StoreConfig store,
                            PostgresConfig postgres, HaConfig ha, ApiConfig api, MetricsConfig metrics, RouterConfig router, DnsConfig dns, RewriterConfig rewriter,
                            DiskGuardConfig disk, BackupConfig backup, LogFormat logFormat, MigrationConfig migration) {
    public SidecarConfig {
        Objects.requireNonNull(machineId, "machineId");
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(primaryRegion, "primaryRegion");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(postgres, "postgres");
        Objects.requireNonNull(ha, "ha");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(dns, "dns");
        Objects.requireNonNull(rewriter, "rewriter");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(migration, "migration");
    }

    /**
     * Whether this member may be promoted at all by region rules: always when no primary region is set or this
     * is it; outside it only when the operator allowed failover there (better a distant leader than none).
     */
    public boolean regionAllowsLeadership() {
        return primaryRegion.map(region::equals).orElse(true) || failoverOutsidePrimaryRegion;
    }
}
