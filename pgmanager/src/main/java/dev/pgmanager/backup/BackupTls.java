package dev.pgmanager.backup;

import dev.pgmanager.config.Pbkdf2;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgCommandRunner;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The certificates with which members' pgBackRest processes know each other: the leader's backup reads a replica's
 * files through the replica's pgBackRest server, over TLS with a certificate on both ends.
 *
 * <p>There is no CA to hand around. Every member derives the same CA key from the superuser password and the cluster's
 * name (PBKDF2, slow on purpose: the CA's public key can be recovered from any certificate it signed, and must not let
 * the password be guessed cheaply), signs what it needs with it, and deletes it. Only a holder of the superuser password
 * can make a certificate that passes, and that holder can already run any program as the database's OS user (COPY ...
 * TO PROGRAM), which is all a pgBackRest server can do for a client: the server opens nothing new.
 *
 * <p>Two kinds of certificate, so that nothing kept on the volume lets anyone in elsewhere:
 * <ul>
 *   <li>each member's <em>server</em> certificate names its address as a DNS name (pgBackRest checks the host it dials
 *       against DNS names only) and is good for server authentication only. It is made anew at every start: the address
 *       changes when a machine moves.</li>
 *   <li>the leader's <em>client</em> certificate (common name {@link #CLIENT_NAME}, which the servers authorize for the
 *       cluster's stanza, client authentication only) exists only while one backup runs.</li>
 * </ul>
 */
public final class BackupTls {
    /** The client common name every server admits for the cluster's stanza. */
    public static final String CLIENT_NAME = "pgmanager";
    private static final String CONTEXT = "pgmanager backup CA v1:";
    private static final int ITERATIONS = 600_000;
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);
    private static final int VALID_DAYS = 3650;
    private static final String CLIENT_PREFIX = "client-";

    private final OsUser osUser;
    private final Path directory;
    private final String superuserPassword;
    private final String stanza;

    private BackupTls(OsUser osUser, Path directory, String superuserPassword, String stanza) {
        this.osUser = osUser;
        this.directory = directory;
        this.superuserPassword = superuserPassword;
        this.stanza = stanza;
    }

    /** Makes the CA certificate and this member's server certificate in {@code directory} (private to the OS user). */
    public static BackupTls make(OsUser osUser, Path directory, String superuserPassword, String stanza, InetAddress address) {
        osUser.createPrivateDirectory(directory);
        BackupTls tls = new BackupTls(osUser, directory, superuserPassword, stanza);
        tls.removeClientCertificates();
        tls.withCaKey(caKey -> {
            tls.openssl("req", "-x509", "-key", caKey.toString(), "-subj", "/CN=pgmanager backups of " + stanza, "-set_serial", "1",
                    "-days", Integer.toString(VALID_DAYS), "-out", tls.caFile().toString());
            tls.sign(caKey, tls.serverKey(), tls.serverCertificate(), "/CN=" + hostText(address),
                    "subjectAltName=DNS:" + hostText(address) + "\nextendedKeyUsage=serverAuth\n");
        });
        return tls;
    }

    public Path caFile() {
        return directory.resolve("ca.crt");
    }

    public Path serverCertificate() {
        return directory.resolve("server.crt");
    }

    public Path serverKey() {
        return directory.resolve("server.key");
    }

    /** A client certificate for one backup, deleted when closed. */
    public ClientCertificate client() {
        Path dir = directory.resolve(CLIENT_PREFIX + System.nanoTime());
        osUser.createPrivateDirectory(dir);
        ClientCertificate client = new ClientCertificate(dir.resolve("client.crt"), dir.resolve("client.key"), dir);
        try {
            withCaKey(caKey -> sign(caKey, client.keyFile(), client.certificateFile(), "/CN=" + CLIENT_NAME,
                    "extendedKeyUsage=clientAuth\n"));
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** A client certificate and its key, in a directory of their own that closing removes. */
    public record ClientCertificate(Path certificateFile, Path keyFile, Path directory) implements AutoCloseable {
        @Override
        public void close() {
            deleteTree(directory);
        }
    }

    /** The address as pgBackRest is told to dial it, and as the certificate must name it. */
    static String hostText(InetAddress address) {
        return address.getHostAddress().replaceAll("%.*$", "");
    }

    private void sign(Path caKey, Path key, Path certificate, String subject, String extensions) {
        Path request = key.resolveSibling(key.getFileName() + ".csr");
        Path extensionFile = key.resolveSibling(key.getFileName() + ".ext");
        try {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
            openssl("req", "-new", "-key", key.toString(), "-subj", subject, "-out", request.toString());
            osUser.writePrivateFile(extensionFile, extensions);
            openssl("x509", "-req", "-in", request.toString(), "-CA", caFile().toString(), "-CAkey", caKey.toString(),
                    "-set_serial", Long.toString(System.currentTimeMillis()), "-days", Integer.toString(VALID_DAYS),
                    "-extfile", extensionFile.toString(), "-out", certificate.toString());
        } finally {
            deleteQuietly(request);
            deleteQuietly(extensionFile);
        }
    }

    /** Runs {@code work} with the CA key in a file, and deletes the file whatever happens. */
    private void withCaKey(java.util.function.Consumer<Path> work) {
        Path caKey = directory.resolve("ca.key");
        try {
            osUser.writePrivateFile(caKey, derivedCaKey(superuserPassword, stanza));
            work.accept(caKey);
        } finally {
            deleteQuietly(caKey);
        }
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        new PgCommandRunner(osUser).runChecked(command, Map.of(), OPENSSL_TIMEOUT);
    }

    /** Client certificates a sidecar killed during a backup left behind. */
    private void removeClientCertificates() {
        try (Stream<Path> entries = Files.list(directory)) {
            entries.filter(p -> p.getFileName().toString().startsWith(CLIENT_PREFIX)).forEach(BackupTls::deleteTree);
        } catch (IOException e) {
            // nothing to remove, or nothing readable: a leftover client certificate expires with the password's change
        }
    }

    /**
     * The cluster's CA key on curve P-256, in PKCS#8 PEM: a scalar drawn from PBKDF2-HMAC-SHA256 of the superuser
     * password over the cluster's name (384 bits reduced modulo the curve's order, so the bias is negligible).
     */
    static String derivedCaKey(String superuserPassword, String stanza) {
        try {
            byte[] seed = Pbkdf2.hmacSha256(superuserPassword, (CONTEXT + stanza).getBytes(StandardCharsets.UTF_8), ITERATIONS, 384);
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec curve = parameters.getParameterSpec(ECParameterSpec.class);
            BigInteger scalar = new BigInteger(1, seed).mod(curve.getOrder().subtract(BigInteger.ONE)).add(BigInteger.ONE);
            byte[] pkcs8 = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(scalar, curve)).getEncoded();
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8)
                    + "\n-----END PRIVATE KEY-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the backup CA key: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover request or extension file holds nothing secret; keys are removed with their directory
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(BackupTls::deleteQuietly);
        } catch (IOException e) {
            // already gone
        }
    }
}
