package dev.pgmanager.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Pbkdf2Test {
    @Test
    void libcryptoDerivesTheBytesTheJdkDoes() {
        assertTrue(Pbkdf2.usesLibcrypto(), "libcrypto (libssl3, which PostgreSQL needs) is installed here, so it does the work");
        for (String password : new String[] {"", "s3cret", "pässwörd ✓ with spaces", "x".repeat(300)}) {
            for (int bits : new int[] {256, 384}) {
                byte[] salt = ("pgmanager test:" + password.length()).getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(Pbkdf2.withJdk(password, salt, 1000, bits), Pbkdf2.hmacSha256(password, salt, 1000, bits),
                        password + " / " + bits);
            }
        }
    }

    @Test
    void matchesTheRfc7914TestVector() {
        // RFC 7914, section 11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1, dkLen=64), first 32 bytes
        assertArrayEquals(HexFormat.of().parseHex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"),
                Pbkdf2.hmacSha256("passwd", "salt".getBytes(StandardCharsets.UTF_8), 1, 256));
    }
}
