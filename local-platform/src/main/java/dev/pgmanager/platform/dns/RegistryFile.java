package dev.pgmanager.platform.dns;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The local cluster's DNS registry as a JSON file, so that another process (the local-cluster runner) can move a
 * member by rewriting it:
 * <pre>
 * {"app": "pg", "ttl_seconds": 1,
 *  "members": {"e2865d13a56789": {"address": "127.0.0.11", "region": "local"}}}
 * </pre>
 */
public record RegistryFile(String app, @JsonProperty("ttl_seconds") long ttlSeconds, Map<String, Member> members) {

    /** One machine's entry: an address literal (never a host name) and its region. */
    public record Member(String address, String region) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public RegistryFile {
        if (app == null || app.isBlank()) {
            throw new IllegalArgumentException("app is required");
        }
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("ttl_seconds must not be negative: " + ttlSeconds);
        }
        members = members == null ? Map.of() : new TreeMap<>(members); // sorted: diffs of the file stay readable
    }

    public static RegistryFile read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), RegistryFile.class);
    }

    /** Replaces the file in one step, so that a watcher never reads half of it. */
    public void write(Path file) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = Files.createTempFile(directory, file.getFileName() + ".", ".tmp");
        try {
            JSON.writeValue(temporary.toFile(), this);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** @throws IllegalArgumentException when an address is not an IP literal or a machine ID is no DNS label */
    LocalZone toZone() {
        Map<String, LocalZone.LocalMember> zoneMembers = new TreeMap<>();
        members.forEach((id, member) -> zoneMembers.put(
                id, new LocalZone.LocalMember(InetAddress.ofLiteral(member.address()), member.region())));
        return new LocalZone(app, Duration.ofSeconds(ttlSeconds), zoneMembers);
    }
}
