package dev.pgmanager.cli;

import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The cluster's primary as the operator's SQL commands reach it: the member that holds the lease, at the address its
 * name resolves to now, as the superuser (its password from a local cluster's file, else from {@code SU_PASSWORD}
 * or {@code PGMANAGER_SUPERUSER_PASSWORD}, as the sidecars take it).
 */
final class PrimaryDatabase {
    static final String PASSWORD_SETTINGS = "the environment variable SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD";

    private final ClusterSnapshot cluster;
    private final String address;
    private final int port;
    private final String superuser;
    private final String password;

    private PrimaryDatabase(ClusterSnapshot cluster, String address, int port, String superuser, String password) {
        this.cluster = cluster;
        this.address = address;
        this.port = port;
        this.superuser = superuser;
        this.password = password;
    }

    /**
     * Finds the leader of the target cluster.
     *
     * @throws IllegalArgumentException when no superuser password is given
     * @throws CommandFailed when nobody leads, or the leader has no record or no address now
     */
    static PrimaryDatabase of(ClusterTarget target) {
        String superuser = target.superuser();
        String password = target.superuserPassword()
                .orElseThrow(() -> new IllegalArgumentException("no password for the superuser " + superuser
                        + ": give it in " + PASSWORD_SETTINGS));
        ClusterSnapshot cluster;
        try (ZooKeeperClusterStore store = target.openStore()) {
            cluster = store.read();
        }
        Leader leader = cluster.leader().orElseThrow(() -> new CommandFailed("cluster " + target.target().cluster()
                + " has no leader now, so there is no primary to change; see pgmanager list"));
        Member member = cluster.member(leader.machineId()).orElseThrow(() -> new CommandFailed("the leader "
                + leader.machineId() + " has no member record; see pgmanager list"));
        InetAddress at = target.addresses().resolve(MachineId.of(leader.machineId())).orElseThrow(() -> new CommandFailed(
                "the leader " + leader.machineId() + " does not resolve in DNS now; see pgmanager list"));
        return new PrimaryDatabase(cluster, AddressText.of(at), member.databasePort(), superuser, password);
    }

    ClusterSnapshot cluster() {
        return cluster;
    }

    String superuser() {
        return superuser;
    }

    /** A superuser connection to {@code database} on the primary. */
    Connection open(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", superuser);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        p.setProperty("targetServerType", "primary");
        return DriverManager.getConnection(new HostPort(address, port).jdbcUrl(database), p);
    }

    /** Each member's address now (in URL form) and port, for clients that cannot resolve the members' names. */
    static String memberAddress(DnsAddressResolver resolver, Member member) {
        return resolver.resolve(MachineId.of(member.machineId())).map(a -> HostPort.of(a, member.databasePort()).toString())
                .orElseThrow(() -> new CommandFailed(member.machineId() + " does not resolve in DNS now; see pgmanager list"));
    }
}
