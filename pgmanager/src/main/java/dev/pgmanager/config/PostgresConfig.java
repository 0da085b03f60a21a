package dev.pgmanager.config;

import dev.pgmanager.postgres.WalSegmentSize;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The local PostgreSQL server the sidecar runs.
 *
 * @param binDir          where {@code pg_ctl} and friends are; absent means look for them
 * @param listenAddress   PostgreSQL's {@code listen_addresses}
 * @param osUser          the OS user PostgreSQL runs as when the sidecar runs as root
 * @param parameters      extra postgresql.conf settings, sorted by name so the written file is stable
 * @param allowedNetworks CIDR networks pg_hba.conf admits for replication and clients
 * @param operatorPassword the password of the role {@code postgres}, the operator's and the applications' superuser as
 *                         Fly's postgres-flex has it ({@code OPERATOR_PASSWORD}), kept by the leader; absent: pgmanager
 *                         leaves that role alone
 * @param restoredFrom     what this machine's volume was restored or forked from ({@code FLY_RESTORED_FROM}, set by
 *                         {@code fly pg create --fork-from} or {@code --snapshot-id}); while the cluster is not
 *                         initialized, a member of such an app with an empty data directory never makes a new cluster
 * @param walSegmentSize   the WAL segment size initdb gives a new cluster; a cloned, restored or forked member has its
 *                         source's
 */
public record PostgresConfig(Path dataDir, Optional<Path> binDir, String listenAddress, int port, Path socketDir,
                             String osUser, Map<String, String> parameters, String superuser, String superuserPassword,
                             String replicationUser, String replicationPassword, List<String> allowedNetworks,
                             Optional<String> operatorPassword, Optional<String> restoredFrom,
                             WalSegmentSize walSegmentSize) {
    /** The role flyctl and postgres-flex name {@code postgres}, whose password is {@code OPERATOR_PASSWORD}. */
    public static final String OPERATOR_ROLE = "postgres";

    /** Without an operator's password. */
    public PostgresConfig(Path dataDir, Optional<Path> binDir, String listenAddress, int port, Path socketDir, String osUser,
            Map<String, String> parameters, String superuser, String superuserPassword, String replicationUser,
            String replicationPassword, List<String> allowedNetworks) {
        this(dataDir, binDir, listenAddress, port, socketDir, osUser, parameters, superuser, superuserPassword, replicationUser,
                replicationPassword, allowedNetworks, Optional.empty(), Optional.empty(), WalSegmentSize.DEFAULT);
    }

    public PostgresConfig {
        Objects.requireNonNull(operatorPassword, "operatorPassword");
        Objects.requireNonNull(restoredFrom, "restoredFrom");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(binDir, "binDir");
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(socketDir, "socketDir");
        Objects.requireNonNull(osUser, "osUser");
        parameters = Collections.unmodifiableMap(new TreeMap<>(parameters));
        Objects.requireNonNull(superuser, "superuser");
        Objects.requireNonNull(superuserPassword, "superuserPassword");
        Objects.requireNonNull(replicationUser, "replicationUser");
        Objects.requireNonNull(replicationPassword, "replicationPassword");
        allowedNetworks = List.copyOf(allowedNetworks);
        Objects.requireNonNull(walSegmentSize, "walSegmentSize");
    }

    @Override
    public String toString() {
        return "PostgresConfig[dataDir=" + dataDir + ", binDir=" + binDir + ", listenAddress=" + listenAddress
                + ", port=" + port + ", socketDir=" + socketDir + ", osUser=" + osUser + ", parameters=" + parameters
                + ", superuser=" + superuser + ", superuserPassword=" + Secrets.MASK
                + ", replicationUser=" + replicationUser + ", replicationPassword=" + Secrets.MASK
                + ", allowedNetworks=" + allowedNetworks + ", operatorPassword=" + operatorPassword.map(p -> Secrets.MASK).orElse("(none)")
                + ", restoredFrom=" + restoredFrom + ", walSegmentSize=" + walSegmentSize + "]";
    }
}
