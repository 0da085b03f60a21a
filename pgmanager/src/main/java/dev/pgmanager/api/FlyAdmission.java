package dev.pgmanager.api;

import dev.pgmanager.net.Network;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may make the changing calls of the flyctl API (create and drop roles, create databases, change parameters, fail
 * over). flyctl sends no credentials at all: it reaches a member over the organization's WireGuard network from the
 * operator's own machine. So the one thing that tells flyctl from every other process on the private network is where
 * it comes from: a WireGuard peer's address is no machine's. In mode {@code peers} (the default) a changing call is
 * admitted from loopback, and from an address of the private network that is not the address of any machine of the
 * organization (Fly's {@code _instances.internal}); when that list cannot be had, it is refused. Mode {@code network}
 * admits the whole private network, as postgres-flex does; mode {@code local} admits loopback only.
 */
final class FlyAdmission {
    private static final Logger log = LoggerFactory.getLogger(FlyAdmission.class);

    /** Who may make changing calls. */
    enum Mode {
        PEERS, NETWORK, LOCAL;

        static Mode parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    private final Mode mode;
    private final List<Network> privateNetwork;
    private final Supplier<Optional<Set<InetAddress>>> organizationMachines;

    FlyAdmission(Mode mode, List<String> privateNetwork, Supplier<Optional<Set<InetAddress>>> organizationMachines) {
        this.mode = mode;
        this.privateNetwork = privateNetwork.stream().map(Network::parse).toList();
        this.organizationMachines = organizationMachines;
    }

    /** @throws ApiError 403 when the caller may not change anything */
    void requireAdmitted(ApiRequest request) {
        Optional<String> refusal = refusal(request.remoteAddress());
        if (refusal.isPresent()) {
            log.warn("refused {} {} from {}: {}", request.method(), request.path(), request.remote(), refusal.get());
            throw ApiError.of(403, refusal.get());
        }
    }

    private Optional<String> refusal(Optional<InetAddress> from) {
        if (from.isEmpty()) return Optional.of("the caller's address is unknown");
        // (the JVM gives an IPv4 client of a dual-stack socket as an Inet4Address, never as ::ffff:a.b.c.d)
        InetAddress address = from.get();
        if (address.isLoopbackAddress()) return Optional.empty();
        if (mode == Mode.LOCAL) {
            return Optional.of("changes through this API are admitted from inside the machine only (flyapi.admin_from = local)");
        }
        if (privateNetwork.stream().noneMatch(n -> n.contains(address))) {
            return Optional.of("changes are admitted from the private network only (postgres.allowed_networks)");
        }
        if (mode == Mode.NETWORK) return Optional.empty();
        Optional<Set<InetAddress>> machines = organizationMachines.get();
        if (machines.isEmpty()) {
            return Optional.of("the organization's machines could not be listed (_instances.internal), so a call from a machine "
                    + "cannot be told from flyctl's; nothing was changed, try again");
        }
        if (machines.get().contains(address)) {
            return Optional.of("changes are not admitted from the organization's machines, only from flyctl over WireGuard "
                    + "(flyapi.admin_from = peers); inside a member, use pgmanager");
        }
        return Optional.empty();
    }
}
