package dev.pgmanager.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.postgres.OsUser;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup certificates, made by the real openssl and checked by it as pgBackRest's OpenSSL checks them: a member's
 * client certificate passes another member's server check and the other way round when they share the superuser
 * password, with no CA handed around; another password or another cluster does not; the certificates kept on the
 * volume serve one purpose only, and the client's and the CA's keys do not stay.
 */
class BackupTlsTest {
    private static final OsUser ME = OsUser.named(System.getProperty("user.name"));

    @TempDir Path dir;

    @Test
    void membersThatShareTheSuperuserPasswordTrustEachOther() throws Exception {
        BackupTls leader = BackupTls.make(ME, dir.resolve("a"), "secret", "app", InetAddress.getByName("fdaa:0:1::2"));
        BackupTls replica = BackupTls.make(ME, dir.resolve("b"), "secret", "app", InetAddress.getByName("fdaa:0:1::3"));
        BackupTls otherPassword = BackupTls.make(ME, dir.resolve("c"), "another", "app", InetAddress.getByName("fdaa:0:1::4"));
        BackupTls otherCluster = BackupTls.make(ME, dir.resolve("d"), "secret", "other-app", InetAddress.getByName("fdaa:0:1::5"));

        assertTrue(verifies(leader.caFile(), replica.serverCertificate(), "sslserver"), "the leader trusts the replica's server");
        try (BackupTls.ClientCertificate client = leader.client()) {
            assertTrue(verifies(replica.caFile(), client.certificateFile(), "sslclient"), "the replica's server admits the leader");
            assertFalse(verifies(otherPassword.caFile(), client.certificateFile(), "sslclient"), "another password's CA does not");
            assertFalse(verifies(otherCluster.caFile(), client.certificateFile(), "sslclient"), "another cluster's CA does not");
            String text = openssl("x509", "-in", client.certificateFile().toString(), "-noout", "-subject");
            assertTrue(text.contains("CN = " + BackupTls.CLIENT_NAME), text);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(client.keyFile())));
        }
        assertFalse(verifies(leader.caFile(), replica.serverCertificate(), "sslclient"),
                "a server certificate, kept on the volume, is no client certificate");
        assertFalse(verifies(leader.caFile(), otherPassword.serverCertificate(), "sslserver"), "another password's server is refused");

        // the address as the leader dials it: Java's text form of the address DNS gives, which the certificate repeats
        String text = openssl("x509", "-in", replica.serverCertificate().toString(), "-noout", "-text");
        assertTrue(text.contains("DNS:" + InetAddress.getByName("fdaa:0:1::3").getHostAddress()), text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(replica.serverKey())));
        try (Stream<Path> left = Files.list(dir.resolve("a"))) {
            assertEquals(List.of("ca.crt", "server.crt", "server.key"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "neither the CA key nor the client's certificate stays");
        }
    }

    @Test
    void theCaKeyIsTheSameOnEveryMemberAndDiffersByPasswordAndCluster() {
        assertEquals(BackupTls.derivedCaKey("secret", "app"), BackupTls.derivedCaKey("secret", "app"));
        assertNotEquals(BackupTls.derivedCaKey("secret", "app"), BackupTls.derivedCaKey("secret2", "app"));
        assertNotEquals(BackupTls.derivedCaKey("secret", "app"), BackupTls.derivedCaKey("secret", "app2"));
    }

    private static boolean verifies(Path ca, Path certificate, String purpose) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("openssl", "verify", "-purpose", purpose, "-CAfile", ca.toString(), certificate.toString())
                .redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return process.exitValue() == 0;
    }

    private static String openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return out;
    }
}
