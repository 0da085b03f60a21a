package dev.pgmanager.local;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * What {@code pgmanager local} knows about the cluster it runs in one directory: the platform's ports, the
 * secrets, and each member's address (IPv6 or 127.x.y.z) and ports. This is the local stand-in for a platform's machine list:
 * the sidecars never read it (they find each other through the store and DNS); the local commands and the operator
 * tools do, to reach the cluster from the same directory.
 *
 * @param app the cluster's name (its app name, as on Fly)
 * @param storePort the embedded ZooKeeper's client port on 127.0.0.1
 * @param dnsPort the local DNS server's port on 127.0.0.1
 * @param superuserPassword the {@code postgres} role's password
 * @param replicationPassword the replication role's password
 * @param apiToken the bearer token of every member's API
 * @param members the members, in the order they were created
 */
public record LocalClusterFile(
        String app,
        @JsonProperty("store_port") int storePort,
        @JsonProperty("dns_port") int dnsPort,
        @JsonProperty("superuser_password") String superuserPassword,
        @JsonProperty("replication_password") String replicationPassword,
        @JsonProperty("api_token") String apiToken,
        List<LocalMember> members) {

    public static final String FILE_NAME = "cluster.json";
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public LocalClusterFile {
        members = List.copyOf(members);
    }

    /**
     * One member of a local cluster.
     *
     * @param machineId its machine ID (14 hex digits, like Fly's)
     * @param address its own address: IPv6 from the cluster's {@code fdaa:...::/64} on {@code lo} (as root), else a
     *     loopback address {@code 127.x.y.z}; canonical text ({@code fdaa:1a2b:3c4d::10}), for URLs see {@link HostPorts}
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

    public String storeConnectString() {
        return "127.0.0.1:" + storePort;
    }

    /** This cluster with {@code member} in place of the member of the same machine ID. */
    public LocalClusterFile replacing(LocalMember member) {
        List<LocalMember> next = members.stream().map(m -> m.machineId().equals(member.machineId()) ? member : m).toList();
        return new LocalClusterFile(app, storePort, dnsPort, superuserPassword, replicationPassword, apiToken, next);
    }

    /** This cluster with {@code member} added last. */
    public LocalClusterFile adding(LocalMember member) {
        List<LocalMember> next = new java.util.ArrayList<>(members);
        next.add(member);
        return new LocalClusterFile(app, storePort, dnsPort, superuserPassword, replicationPassword, apiToken, next);
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
