package dev.pgmanager.sidecar;

import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.Upstream;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Turns a member's machine ID into a server to stream from, resolving its address now. The address is handed to
 * libpq as {@code hostaddr} next to the DNS name, and kept nowhere else.
 */
final class Upstreams {
    private final AddressResolver resolver;
    private final UnaryOperator<String> hostnameOf;
    private final Credentials replication;

    Upstreams(AddressResolver resolver, UnaryOperator<String> hostnameOf, Credentials replication) {
        this.resolver = resolver;
        this.hostnameOf = hostnameOf;
        this.replication = replication;
    }

    Upstream of(String machineId, ClusterSnapshot cluster) {
        Member member = cluster.member(machineId)
                .orElseThrow(() -> new Actor.ActionFailedException(machineId + " has no member record: it is not running"));
        InetAddress address = resolver.resolve(machineId)
                .orElseThrow(() -> new Actor.ActionFailedException(hostnameOf.apply(machineId) + " does not resolve"));
        return new Upstream(hostnameOf.apply(machineId), Optional.of(AddressText.of(address)), member.databasePort(), replication);
    }
}
