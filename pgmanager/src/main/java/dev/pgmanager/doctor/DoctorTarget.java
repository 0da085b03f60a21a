package dev.pgmanager.doctor;

import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.postgres.Credentials;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The cluster the doctor examines, and what it may use to reach it.
 *
 * @param storeConnect the store's connect string
 * @param storeSecret the secret of the digest ACL over the cluster's znodes, when one is known
 * @param cluster the cluster's name
 * @param resolver looks members up in the cluster's DNS
 * @param hostnameOf a member's DNS name
 * @param machineIdOfName the machine ID in a member's DNS name (ZooKeeper peers are named so in store mode ensemble)
 * @param superuser credentials to read each member's PostgreSQL directly; without them only the store and the APIs
 *     are read
 * @param known members a platform lists (the local cluster's file), with their addresses and ports: the doctor can
 *     still reach them when the store or DNS is down
 * @param fixes spells the commands findings suggest
 */
public record DoctorTarget(String storeConnect, Optional<String> storeSecret, String cluster, AddressResolver resolver,
        UnaryOperator<String> hostnameOf, Function<String, Optional<String>> machineIdOfName, Optional<Credentials> superuser,
        Map<String, KnownMember> known, Fixes fixes) {
    public DoctorTarget {
        known = Map.copyOf(known);
    }

    /** A member as a platform lists it. */
    public record KnownMember(String address, int databasePort, int apiPort) {}
}
