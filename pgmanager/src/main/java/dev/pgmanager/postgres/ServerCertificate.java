package dev.pgmanager.postgres;

import dev.pgmanager.net.MachineId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS certificate PostgreSQL serves, so that clients (and replicas, whose libpq prefers TLS) are encrypted on the
 * wire by default: a self-signed one per member, made once with {@code openssl} and kept beside the data directory
 * (never inside it, where pg_basebackup would copy one member's key to another). Self-signed means {@code sslmode=require}
 * encrypts but does not authenticate the server; an operator who wants {@code verify-full} points {@code ssl_cert_file}
 * and {@code ssl_key_file} at certificates of their own with ALTER SYSTEM, which wins over pgmanager's settings.
 */
final class ServerCertificate {
    private static final Logger log = LoggerFactory.getLogger(ServerCertificate.class);
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);
    private static final int VALID_DAYS = 3650;

    private final Path certificate;
    private final Path key;
    private final MachineId machineId;
    private final OsUser osUser;

    ServerCertificate(Path stateDirectory, MachineId machineId, OsUser osUser) {
        this.certificate = stateDirectory.resolve("server.crt");
        this.key = stateDirectory.resolve("server.key");
        this.machineId = machineId;
        this.osUser = osUser;
    }

    /**
     * The certificate and key files, made if missing; empty (TLS stays off, and the log says why) when they cannot be:
     * a server without TLS is better than no server.
     */
    Optional<ServerCertificate> ensure() {
        try {
            if (Files.isRegularFile(certificate) && Files.isRegularFile(key)) {
                // A key restored or copied with looser permissions would stop PostgreSQL from starting at all.
                Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
                return Optional.of(this);
            }
            new PgCommandRunner(osUser).runChecked(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", Integer.toString(VALID_DAYS), "-subj", "/CN=" + machineId,
                    "-keyout", key.toString(), "-out", certificate.toString()), Map.of(), OPENSSL_TIMEOUT);
            // PostgreSQL refuses a key others can read.
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            log.info("made a self-signed TLS certificate for {} in {}", machineId, certificate);
            return Optional.of(this);
        } catch (RuntimeException | IOException e) {
            log.warn("PostgreSQL runs without TLS: no certificate could be made with openssl ({}); install openssl, or set "
                    + "ssl_cert_file and ssl_key_file with ALTER SYSTEM", e.getMessage());
            return Optional.empty();
        }
    }

    Path certificate() {
        return certificate;
    }

    Path key() {
        return key;
    }
}
