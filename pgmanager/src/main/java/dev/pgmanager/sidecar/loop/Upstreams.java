package dev.pgmanager.sidecar.loop;

import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.Upstream;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a member's machine ID into a server to stream from, at an address resolved for this pass. The address is
 * handed to libpq as {@code hostaddr} next to the DNS name, and kept nowhere else.
 */
public final class Upstreams {
    private final AddressResolver resolver;
    private final Function<MachineId, String> hostnameOf;
    private final Credentials replication;
    private final String sourcePassword;

    public Upstreams(AddressResolver resolver, Function<MachineId, String> hostnameOf, Credentials replication) {
        this(resolver, hostnameOf, replication, replication.password());
    }

    /** @param sourcePassword the password of a standby cluster's source's role ({@code migration.source_password}) */
    public Upstreams(AddressResolver resolver, Function<MachineId, String> hostnameOf, Credentials replication, String sourcePassword) {
        this.resolver = resolver;
        this.hostnameOf = hostnameOf;
        this.replication = replication;
        this.sourcePassword = sourcePassword;
    }

    /** The primary outside the cluster that a standby cluster streams from; libpq resolves its name. */
    public Upstream source(dev.pgmanager.store.ClusterSpec.Source source) {
        return Upstream.outside(source.host(), source.port(), new Credentials(source.user(), sourcePassword));
    }

    /** {@code machineId}'s server at the address its name resolves to now. */
    Upstream of(MachineId machineId, ClusterSnapshot cluster) {
        InetAddress address = resolver.resolve(machineId)
                .orElseThrow(() -> new Actor.ActionFailedException(hostnameOf.apply(machineId) + " does not resolve"));
        return at(machineId, address, cluster);
    }

    /** {@code machineId}'s server at {@code address}, which the caller resolved (the decision it acts on did). */
    Upstream at(MachineId machineId, InetAddress address, ClusterSnapshot cluster) {
        Member member = cluster.member(machineId.value())
                .orElseThrow(() -> new Actor.ActionFailedException(machineId + " has no member record: it is not running"));
        return new Upstream(hostnameOf.apply(machineId), Optional.of(AddressText.of(address)), member.databasePort(), replication);
    }
}
