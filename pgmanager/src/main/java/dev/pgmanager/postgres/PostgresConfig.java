package dev.pgmanager.postgres;

import dev.pgmanager.net.MachineId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything that makes one PostgreSQL instance this machine's: where its files are, where it listens,
 * the roles pgmanager uses, and the machine ID that names it to its peers.
 *
 * @param dataDirectory    PGDATA
 * @param stateDirectory   pgmanager's own files for this instance that must not live in PGDATA (where
 *                         pg_basebackup and pg_rewind would copy them between machines): the server log,
 *                         the passfile
 * @param socketDirectory  unix_socket_directories
 * @param listenAddresses  listen_addresses entries ("*" for all)
 * @param allowedNetworks  CIDRs allowed to connect over TCP, for clients and for replication
 * @param machineId        this member's identity: its application_name and its replication slot's name
 * @param startTimeout     how long start, stop and promote may take before we call it a failure
 * @param copyTimeout      how long a base backup or a rewind may take (they copy data: size it to the cluster)
 * @param settings         server settings written before pgmanager's own (which win over them): memory sized from the
 *                         machine, then the operator's {@code postgres.parameters}
 * @param archiving        WAL archiving settings, written among pgmanager's own (an operator's parameter cannot turn
 *                         off the archive the backups depend on); empty when the cluster has no backups
 * @param operator         the role {@code postgres} and its password ({@code OPERATOR_PASSWORD}), kept so by every
 *                         primary this server becomes; empty: that role is left alone
 * @param walSegmentSize   the WAL segment size of a cluster this server makes ({@code initdb}); one it clones keeps its
 *                         source's
 */
public record PostgresConfig(
        Path dataDirectory,
        Path stateDirectory,
        Path socketDirectory,
        List<String> listenAddresses,
        int port,
        List<String> allowedNetworks,
        Credentials superuser,
        Credentials replication,
        MachineId machineId,
        Duration startTimeout,
        Duration copyTimeout,
        Map<String, String> settings,
        Map<String, String> archiving,
        Optional<Credentials> operator,
        WalSegmentSize walSegmentSize) {

    /** A server whose operator role pgmanager leaves alone. */
    public PostgresConfig(Path dataDirectory, Path stateDirectory, Path socketDirectory, List<String> listenAddresses, int port,
            List<String> allowedNetworks, Credentials superuser, Credentials replication, MachineId machineId,
            Duration startTimeout, Duration copyTimeout, Map<String, String> settings, Map<String, String> archiving) {
        this(dataDirectory, stateDirectory, socketDirectory, listenAddresses, port, allowedNetworks, superuser, replication,
                machineId, startTimeout, copyTimeout, settings, archiving, Optional.empty(),
                WalSegmentSize.DEFAULT);
    }

    /** A server without WAL archiving. */
    public PostgresConfig(Path dataDirectory, Path stateDirectory, Path socketDirectory, List<String> listenAddresses, int port,
            List<String> allowedNetworks, Credentials superuser, Credentials replication, MachineId machineId,
            Duration startTimeout, Duration copyTimeout, Map<String, String> settings) {
        this(dataDirectory, stateDirectory, socketDirectory, listenAddresses, port, allowedNetworks, superuser, replication,
                machineId, startTimeout, copyTimeout, settings, Map.of());
    }

    public PostgresConfig {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        Objects.requireNonNull(socketDirectory, "socketDirectory");
        listenAddresses = List.copyOf(listenAddresses);
        allowedNetworks = List.copyOf(allowedNetworks);
        Objects.requireNonNull(superuser, "superuser");
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(machineId, "machineId");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(copyTimeout, "copyTimeout");
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        archiving = Collections.unmodifiableMap(new LinkedHashMap<>(archiving));
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(walSegmentSize, "walSegmentSize");
        if (listenAddresses.isEmpty()) {
            throw new IllegalArgumentException("listenAddresses must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (superuser.user().equals(replication.user())) {
            throw new IllegalArgumentException("the replication role must differ from the superuser");
        }
    }

    /** The networks of the loopback interface: pgmanager itself connects over them. */
    public static final List<String> LOOPBACK = List.of("127.0.0.1/32", "::1/128");

    /** The address pgmanager uses to reach its own server over TCP. */
    String localConnectHost() {
        String first = listenAddresses.getFirst();
        if (listenAddresses.contains("*") || listenAddresses.contains("0.0.0.0")
                || listenAddresses.contains("localhost") || listenAddresses.contains("127.0.0.1")) {
            return "127.0.0.1";
        }
        if (listenAddresses.contains("::") || listenAddresses.contains("::1")) {
            return "::1";
        }
        return first;
    }

    Path serverLog() {
        return stateDirectory.resolve("postgresql.log");
    }

    Path passfile() {
        return stateDirectory.resolve("pgpass");
    }
}
