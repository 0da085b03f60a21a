package dev.pgmanager.backup;

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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The certificates with which members' pgBackRest processes know each other: the leader's backup reads a replica's
 * files through the replica's pgBackRest server, over TLS with a client certificate on both ends.
 *
 * <p>There is no CA to distribute. Every member derives the same CA key from the superuser password and the cluster's
 * name, signs a certificate for its own address with it, and forgets the key. A CA certificate made on one member
 * therefore verifies the certificates of all, and only a holder of the superuser password can make one that passes:
 * someone who can already run any program as the database's OS user (COPY ... TO PROGRAM), so the server, which serves
 * the data directory's files, opens nothing new.
 *
 * <p>Each certificate names the member's address as a DNS name (pgBackRest checks the host it dials against DNS names
 * only) and carries the common name {@link #CLIENT_NAME}, which the servers authorize for the stanza. The files are
 * made anew at every start: the address changes when a machine moves.
 */
public record BackupTls(Path caFile, Path certificateFile, Path keyFile) {
    /** The client common name every server admits for the cluster's stanza. */
    public static final String CLIENT_NAME = "pgmanager";
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);
    private static final int VALID_DAYS = 3650;

    /** Makes the CA and this member's certificate in {@code directory} (private to the OS user). */
    public static BackupTls make(OsUser osUser, Path directory, String superuserPassword, String stanza, InetAddress address) {
        osUser.createPrivateDirectory(directory);
        BackupTls tls = new BackupTls(directory.resolve("ca.crt"), directory.resolve("member.crt"), directory.resolve("member.key"));
        Path caKey = directory.resolve("ca.key");
        Path request = directory.resolve("member.csr");
        Path extensions = directory.resolve("member.ext");
        PgCommandRunner openssl = new PgCommandRunner(osUser);
        try {
            osUser.writePrivateFile(caKey, derivedCaKey(superuserPassword, stanza));
            run(openssl, "req", "-x509", "-key", caKey.toString(), "-subj", "/CN=pgmanager backups of " + stanza, "-set_serial", "1",
                    "-days", Integer.toString(VALID_DAYS), "-out", tls.caFile.toString());
            run(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", tls.keyFile.toString());
            run(openssl, "req", "-new", "-key", tls.keyFile.toString(), "-subj", "/CN=" + CLIENT_NAME, "-out", request.toString());
            osUser.writePrivateFile(extensions, "subjectAltName=DNS:" + address.getHostAddress().replaceAll("%.*$", "")
                    + "\nextendedKeyUsage=serverAuth,clientAuth\n");
            run(openssl, "x509", "-req", "-in", request.toString(), "-CA", tls.caFile.toString(), "-CAkey", caKey.toString(),
                    "-set_serial", Long.toString(System.currentTimeMillis()), "-days", Integer.toString(VALID_DAYS),
                    "-extfile", extensions.toString(), "-out", tls.certificateFile.toString());
            return tls;
        } finally {
            for (Path transient_ : List.of(caKey, request, extensions)) {
                try {
                    Files.deleteIfExists(transient_);
                } catch (IOException e) {
                    // a leftover request or extension file holds nothing secret; the CA key is overwritten at next start
                }
            }
        }
    }

    private static void run(PgCommandRunner openssl, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        openssl.runChecked(command, Map.of(), OPENSSL_TIMEOUT);
    }

    /**
     * The cluster's CA key on curve P-256, in PKCS#8 PEM: a scalar drawn from HMAC-SHA256 of the superuser password over
     * the cluster's name (384 bits reduced modulo the curve's order, so the bias is negligible).
     */
    static String derivedCaKey(String superuserPassword, String stanza) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(superuserPassword.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] first = mac.doFinal(("pgmanager backup CA 1 " + stanza).getBytes(StandardCharsets.UTF_8));
            byte[] second = mac.doFinal(("pgmanager backup CA 2 " + stanza).getBytes(StandardCharsets.UTF_8));
            byte[] seed = new byte[48];
            System.arraycopy(first, 0, seed, 0, 32);
            System.arraycopy(second, 0, seed, 32, 16);
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec curve = parameters.getParameterSpec(ECParameterSpec.class);
            BigInteger order = curve.getOrder();
            BigInteger scalar = new BigInteger(1, seed).mod(order.subtract(BigInteger.ONE)).add(BigInteger.ONE);
            byte[] pkcs8 = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(scalar, curve)).getEncoded();
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8)
                    + "\n-----END PRIVATE KEY-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the backup CA key: " + e.getMessage(), e);
        }
    }
}
