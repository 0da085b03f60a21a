package dev.pgmanager.dns;

import dev.pgmanager.net.MachineId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to reach DNS and how long to trust its answers.
 *
 * @param servers DNS servers to ask, in order; empty means the system's (/etc/resolv.conf)
 * @param namePattern a member's host name, with {@value #MACHINE_ID} and {@value #APP} placeholders
 * @param app the Fly app; names the zone
 * @param timeout the longest one {@code resolve} or {@code discoverMembers} call waits for DNS
 * @param maxCacheTtl an answer is reused for its record TTL, but never longer than this
 * @param staleGrace after DNS starts failing, the last good answer is still served this long past its expiry
 * @param preferIpv6 ask for AAAA first, then A; otherwise the other way round
 */
public record DnsSettings(
        List<InetSocketAddress> servers,
        String namePattern,
        String app,
        Duration timeout,
        Duration maxCacheTtl,
        Duration staleGrace,
        boolean preferIpv6) {

    public static final String MACHINE_ID = "{machine_id}";
    public static final String APP = "{app}";
    /** Fly's private DNS name for one machine. */
    public static final String FLY_NAME_PATTERN = MACHINE_ID + ".vm." + APP + ".internal";

    public DnsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(namePattern, "namePattern");
        if (!namePattern.contains(MACHINE_ID)) {
            throw new IllegalArgumentException("namePattern must contain " + MACHINE_ID + ": " + namePattern);
        }
        if (app == null || app.isBlank()) {
            throw new IllegalArgumentException("app is required");
        }
        requirePositive("timeout", timeout);
        requireNotNegative("maxCacheTtl", maxCacheTtl);
        requireNotNegative("staleGrace", staleGrace);
    }

    /** Fly's defaults: the system resolver, 1 s timeout, answers cached up to 5 s, served stale up to 60 s. */
    public static DnsSettings forApp(String app) {
        return new DnsSettings(List.of(), FLY_NAME_PATTERN, app,
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60), true);
    }

    public DnsSettings withServers(List<InetSocketAddress> newServers) {
        return new DnsSettings(newServers, namePattern, app, timeout, maxCacheTtl, staleGrace, preferIpv6);
    }

    /** The DNS name that answers with the member's address, e.g. {@code e2865d13a56789.vm.pg.internal}. */
    public String hostnameOf(MachineId machineId) {
        return namePattern.replace(MACHINE_ID, machineId.dnsLabel()).replace(APP, app);
    }

    /** Fly's TXT record listing every machine of the app with its region. */
    public String membersName() {
        return membersNameOf(app);
    }

    public static String membersNameOf(String app) {
        return "vms." + app + ".internal";
    }

    private static void requirePositive(String name, Duration value) {
        requireNotNegative(name, value);
        if (value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    private static void requireNotNegative(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }
}
