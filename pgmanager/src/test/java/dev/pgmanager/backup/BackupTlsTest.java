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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup certificates, made by the real openssl and checked by it as pgBackRest's OpenSSL checks them: two members
 * that share the superuser password trust each other's certificates with no CA handed around; a member of another
 * password, or of another cluster, is not trusted.
 */
class BackupTlsTest {
    private static final OsUser ME = OsUser.named(System.getProperty("user.name"));

    @TempDir Path dir;

    @Test
    void membersThatShareTheSuperuserPasswordTrustEachOther() throws Exception {
        BackupTls a = BackupTls.make(ME, dir.resolve("a"), "secret", "app", InetAddress.getByName("fdaa:0:1::2"));
        BackupTls b = BackupTls.make(ME, dir.resolve("b"), "secret", "app", InetAddress.getByName("fdaa:0:1::3"));
        BackupTls otherPassword = BackupTls.make(ME, dir.resolve("c"), "another", "app", InetAddress.getByName("fdaa:0:1::4"));
        BackupTls otherCluster = BackupTls.make(ME, dir.resolve("d"), "secret", "other-app", InetAddress.getByName("fdaa:0:1::5"));

        assertTrue(verifies(a.caFile(), b.certificateFile()), "a trusts b");
        assertTrue(verifies(b.caFile(), a.certificateFile()), "b trusts a");
        assertFalse(verifies(a.caFile(), otherPassword.certificateFile()), "a certificate of another password is refused");
        assertFalse(verifies(a.caFile(), otherCluster.certificateFile()), "a certificate of another cluster is refused");

        String text = openssl("x509", "-in", b.certificateFile().toString(), "-noout", "-text");
        // the address as the leader dials it: Java's text form of the address DNS gives, which the certificate repeats
        assertTrue(text.contains("DNS:" + InetAddress.getByName("fdaa:0:1::3").getHostAddress()), "names the member's address as pgBackRest checks it: " + text);
        assertTrue(text.contains("Subject: CN = " + BackupTls.CLIENT_NAME), text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(b.keyFile())));
        assertFalse(Files.exists(dir.resolve("b").resolve("ca.key")), "the CA key is not left on disk");
    }

    @Test
    void theCaKeyIsTheSameOnEveryMemberAndDiffersByPasswordAndCluster() {
        assertEquals(BackupTls.derivedCaKey("secret", "app"), BackupTls.derivedCaKey("secret", "app"));
        assertNotEquals(BackupTls.derivedCaKey("secret", "app"), BackupTls.derivedCaKey("secret2", "app"));
        assertNotEquals(BackupTls.derivedCaKey("secret", "app"), BackupTls.derivedCaKey("secret", "app2"));
    }

    private static boolean verifies(Path ca, Path certificate) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("openssl", "verify", "-CAfile", ca.toString(), certificate.toString())
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
