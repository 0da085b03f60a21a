package dev.pgmanager.platform.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * The local platform's object storage, what Tigris is to a Fly app: a real S3 server (S3Proxy) on 127.0.0.1 that keeps
 * its objects in plain files under the cluster's directory, so that a local cluster archives WAL and takes backups as a
 * Fly cluster does, and the tests run pgBackRest against the S3 protocol rather than a stand-in. It serves HTTPS only,
 * because pgBackRest speaks S3 over TLS only; the certificate is self-signed, made with {@code openssl} on first start,
 * and handed to clients as the CA file to trust. It names the server's address in its common name and has no subject alternative
 * names: pgBackRest matches the host it connects to against the DNS names among those, or else the common name as text,
 * so an IP address in the common name is the one form it accepts for an endpoint given as an address.
 */
public final class LocalObjectStorage implements AutoCloseable {
    /** Tigris and S3 accept any region name for a path-style request; pgBackRest needs one to sign with. */
    public static final String REGION = "auto";
    private static final String KEYSTORE_PASSWORD = "pgmanager-local";

    private final S3Proxy server;
    private final URI endpoint;
    private final Path caFile;

    private LocalObjectStorage(S3Proxy server, URI endpoint, Path caFile) {
        this.server = server;
        this.endpoint = endpoint;
        this.caFile = caFile;
    }

    /**
     * Serves the buckets under {@code dir/objects} at {@code address}, creating {@code bucket} if it is missing, with one
     * key pair allowed in.
     */
    public static LocalObjectStorage start(Path dir, InetSocketAddress address, String bucket, String accessKey,
            String secretKey) throws IOException {
        Path objects = dir.resolve("objects");
        Files.createDirectories(objects.resolve(bucket));
        Path keyStore = dir.resolve("tls.p12");
        Path caFile = dir.resolve("tls.crt");
        if (!Files.isRegularFile(keyStore) || !Files.isRegularFile(caFile)) {
            makeCertificate(dir, address.getHostString(), keyStore, caFile);
        }
        URI endpoint = URI.create("https://" + address.getHostString() + ":" + address.getPort());
        S3Proxy server = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(objects.toString()))
                .secureEndpoint(endpoint)
                .keyStore(keyStore.toString(), KEYSTORE_PASSWORD)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            server.start();
            // start() returns before Jetty listens: a client racing it would be refused.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!"STARTED".equals(server.getState())) {
                if (System.nanoTime() > deadline) throw new IOException("the S3 server did not start within 30 s");
                Thread.sleep(20);
            }
        } catch (Exception e) {
            stopQuietly(server);
            throw e instanceof IOException io ? io : new IOException("the S3 server on " + endpoint + " did not start: " + e, e);
        }
        return new LocalObjectStorage(server, endpoint, caFile);
    }

    private static void makeCertificate(Path dir, String host, Path keyStore, Path caFile) throws IOException {
        Path key = dir.resolve("tls.key");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "3650", "-subj", "/CN=" + host, "-keyout", key.toString(),
                "-out", caFile.toString()));
        run(List.of("openssl", "pkcs12", "-export", "-in", caFile.toString(), "-inkey", key.toString(), "-name", "s3",
                "-passout", "pass:" + KEYSTORE_PASSWORD, "-out", keyStore.toString()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(keyStore, PosixFilePermissions.fromString("rw-------"));
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(command.getFirst() + " could not make the S3 server's certificate: "
                        + new String(output).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the S3 server's certificate", e);
        } finally {
            process.destroyForcibly();
        }
    }

    /** {@code https://127.0.0.1:<port>}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The certificate clients trust to reach this server. */
    public Path caFile() {
        return caFile;
    }

    @Override
    public void close() {
        stopQuietly(server);
    }

    private static void stopQuietly(S3Proxy server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping a server that never started, or one already stopped: nothing to release
        }
    }
}
