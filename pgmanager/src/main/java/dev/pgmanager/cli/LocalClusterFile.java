package dev.pgmanager.cli;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pgmanager.config.StoreSecret;
import dev.pgmanager.net.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@code pgmanager local} knows about the cluster it runs in one directory: the platform's ports, the secrets, and
 * each member's address (IPv6 or 127.x.y.z) and ports. This is the local stand-in for a platform's machine list: the
 * sidecars never read it (they find each other through the store and DNS); the local platform writes it, and the
 * operator commands read it ({@code --dir}) to reach the cluster from the same directory, which is why it lives with
 * them rather than with the platform.
 *
 * @param app the cluster's name (its app name, as on Fly)
 * @param storePort the embedded ZooKeeper's client port on 127.0.0.1
 * @param dnsPort the local DNS server's port on 127.0.0.1
 * @param superuserPassword the {@code postgres} role's password
 * @param replicationPassword the replication role's password
 * @param apiToken the bearer token of every member's API
 * @param members the members, in the order they were created
 * @param ensemble in store mode ensemble, the ZooKeeper ports every member's peer uses (on its own address); absent
 *     (null in the file) when the platform runs the store
 * @param objectStorage the platform's S3 endpoint that holds the cluster's backups; absent (null) when the cluster has
 *     no backups
 */
public record LocalClusterFile(
        String app,
        @JsonProperty("store_port") int storePort,
        @JsonProperty("dns_port") int dnsPort,
        @JsonProperty("superuser_password") String superuserPassword,
        @JsonProperty("replication_password") String replicationPassword,
        @JsonProperty("api_token") String apiToken,
        List<LocalMember> members,
        EnsemblePorts ensemble,
        @JsonProperty("object_storage") ObjectStorage objectStorage) {

    public static final String FILE_NAME = "cluster.json";
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @JsonCreator
    public LocalClusterFile {
        members = List.copyOf(members);
    }

    /** A cluster whose store the platform runs (store mode external). */
    public LocalClusterFile(String app, int storePort, int dnsPort, String superuserPassword, String replicationPassword,
                            String apiToken, List<LocalMember> members) {
        this(app, storePort, dnsPort, superuserPassword, replicationPassword, apiToken, members, null, null);
    }

    /**
     * The local platform's S3 endpoint ({@code https://127.0.0.1:port}, its certificate in {@code ca_file}) and the
     * bucket and keys the members use, as {@code fly storage create} gives a Fly app.
     */
    public record ObjectStorage(int port, String bucket, @JsonProperty("access_key_id") String accessKeyId,
                                @JsonProperty("secret_access_key") String secretAccessKey, @JsonProperty("ca_file") String caFile) {
        public String endpoint() {
            return "https://127.0.0.1:" + port;
        }
    }

    public boolean hasBackups() {
        return objectStorage != null;
    }

    /** The ports of store mode ensemble: the same on every member, each of which has its own address. */
    public record EnsemblePorts(@JsonProperty("client_port") int clientPort, @JsonProperty("quorum_port") int quorumPort,
                                @JsonProperty("election_port") int electionPort) {}

    /** Whether the members run the store themselves (store mode ensemble) rather than the platform. */
    public boolean ensembleMode() {
        return ensemble != null;
    }

    /**
     * One member of a local cluster.
     *
     * @param machineId its machine ID (14 hex digits, like Fly's)
     * @param address its own address: IPv6 from the cluster's {@code fdaa:...::/64} on {@code lo} (as root), else a
     *     loopback address {@code 127.x.y.z}; canonical text ({@code fdaa:1a2b:3c4d::10}), for URLs see {@link dev.pgmanager.net.HostPort}
     * @param pgPort its PostgreSQL port
     * @param apiPort its sidecar API port
     * @param storeProxyPort the port on 127.0.0.1 through which it reaches the store (so the platform can cut it off)
     */
    public record LocalMember(
            @JsonProperty("machine_id") String machineId,
            String address,
            @JsonProperty("pg_port") int pgPort,
            @JsonProperty("api_port") int apiPort,
            @JsonProperty("store_proxy_port") int storeProxyPort) {}

    /** The secret of the digest ACL over the cluster's znodes: derived from the superuser password, as the members do. */
    public String storeSecret() {
        return StoreSecret.derive(app, superuserPassword);
    }

    /**
     * Where the local tools reach the store: the platform's ZooKeeper, or in ensemble mode every member at its current
     * address (the platform's view; the members themselves use the peers' names). Members that run no peer refuse the
     * connection and the client moves on to the next.
     */
    public String storeConnectString() {
        if (!ensembleMode()) return "127.0.0.1:" + storePort;
        return members.stream().map(m -> new HostPort(m.address(), ensemble.clientPort()).toString()).collect(Collectors.joining(","));
    }

    /** This cluster with {@code member} in place of the member of the same machine ID. */
    public LocalClusterFile replacing(LocalMember member) {
        List<LocalMember> next = members.stream().map(m -> m.machineId().equals(member.machineId()) ? member : m).toList();
        return new LocalClusterFile(app, storePort, dnsPort, superuserPassword, replicationPassword, apiToken, next, ensemble, objectStorage);
    }

    /** This cluster without the member {@code machineId}. */
    public LocalClusterFile without(String machineId) {
        List<LocalMember> next = members.stream().filter(m -> !m.machineId().equals(machineId)).toList();
        return new LocalClusterFile(app, storePort, dnsPort, superuserPassword, replicationPassword, apiToken, next, ensemble, objectStorage);
    }

    /** This cluster with one more member. */
    public LocalClusterFile adding(LocalMember member) {
        List<LocalMember> next = new java.util.ArrayList<>(members);
        next.add(member);
        return new LocalClusterFile(app, storePort, dnsPort, superuserPassword, replicationPassword, apiToken, next, ensemble, objectStorage);
    }

    public Optional<LocalMember> member(String machineId) {
        return members.stream().filter(m -> m.machineId().equals(machineId)).findFirst();
    }

    /** Reads {@code dir/cluster.json}; empty when there is no local cluster in {@code dir}. */
    public static Optional<LocalClusterFile> read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) return Optional.empty();
        try {
            return Optional.of(MAPPER.readValue(file.toFile(), LocalClusterFile.class));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the local cluster file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code dir/cluster.json} atomically, readable only by its owner (it holds passwords). */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, FILE_NAME, ".tmp");
        MAPPER.writeValue(temp.toFile(), this);
        Files.move(temp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
