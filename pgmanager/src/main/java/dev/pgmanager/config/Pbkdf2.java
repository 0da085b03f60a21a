package dev.pgmanager.config;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PBKDF2-HMAC-SHA256, computed by OpenSSL's libcrypto (which PostgreSQL links, so every member has it) and by the JDK
 * where it cannot be loaded: the same bytes either way (the JDK, too, hashes the password's UTF-8). The derivations are
 * slow on purpose, and the JDK's took ~0.45 s each at the sidecar's JIT tier (C1), two of them on the path of every
 * sidecar start and one on every CLI call; libcrypto's take a few milliseconds.
 */
public final class Pbkdf2 {
    /** PBKDF2-HMAC-SHA256("passwd", "salt", 1 round), its first 32 bytes (RFC 7914, section 11). */
    private static final byte[] RFC_7914_VECTOR =
            HexFormat.of().parseHex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    private static final Optional<MethodHandle> NATIVE = loadLibcrypto();

    private Pbkdf2() {}

    /** {@code bits} (a multiple of 8) of key from {@code password} and {@code salt} in {@code iterations} rounds. */
    public static byte[] hmacSha256(String password, byte[] salt, int iterations, int bits) {
        return NATIVE.flatMap(pbkdf2 -> withLibcrypto(pbkdf2, password, salt, iterations, bits))
                .orElseGet(() -> withJdk(password, salt, iterations, bits));
    }

    /** Whether libcrypto does the work here (else the JDK). */
    static boolean usesLibcrypto() {
        return NATIVE.isPresent();
    }

    static byte[] withJdk(String password, byte[] salt, int iterations, int bits) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bits);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot derive keys with PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** Empty when libcrypto refused (a FIPS build's limits, say): the JDK does it then. */
    private static Optional<byte[]> withLibcrypto(MethodHandle pbkdf2, String password, byte[] salt, int iterations, int bits) {
        byte[] passwordBytes = password.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pass = arena.allocateFrom(ValueLayout.JAVA_BYTE, passwordBytes);
            try {
                MemorySegment saltSegment = arena.allocateFrom(ValueLayout.JAVA_BYTE, salt);
                MemorySegment out = arena.allocate(bits / 8);
                int ok = (int) pbkdf2.invokeExact(pass, passwordBytes.length, saltSegment, salt.length, iterations, bits / 8, out);
                return ok == 1 ? Optional.of(out.toArray(ValueLayout.JAVA_BYTE)) : Optional.empty();
            } finally {
                pass.fill((byte) 0);
            }
        } catch (Throwable e) {
            return Optional.empty();
        } finally {
            Arrays.fill(passwordBytes, (byte) 0);
        }
    }

    /**
     * PKCS5_PBKDF2_HMAC with EVP_sha256 bound in: (pass, passlen, salt, saltlen, iter, keylen, out) -> 1 on success.
     * Empty when libcrypto, or native access, is not to be had.
     */
    private static Optional<MethodHandle> loadLibcrypto() {
        // OpenSSL's own sonames only (3 and 1.1 take these int lengths): a libcrypto.so of another make (BoringSSL's
        // lengths are size_t) is not bound at all.
        for (String name : new String[] {"libcrypto.so.3", "libcrypto.so.1.1"}) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libcrypto = SymbolLookup.libraryLookup(name, Arena.global());
                MethodHandle sha256 = linker.downcallHandle(libcrypto.findOrThrow("EVP_sha256"), FunctionDescriptor.of(ValueLayout.ADDRESS));
                MemorySegment digest = (MemorySegment) sha256.invokeExact();
                MethodHandle pbkdf2 = linker.downcallHandle(libcrypto.findOrThrow("PKCS5_PBKDF2_HMAC"), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                MethodHandle bound = MethodHandles.insertArguments(pbkdf2, 5, digest);
                // And it must give RFC 7914's PBKDF2-HMAC-SHA256 test vector before it is trusted with a password.
                if (withLibcrypto(bound, "passwd", "salt".getBytes(StandardCharsets.UTF_8), 1, 256)
                        .filter(key -> Arrays.equals(key, RFC_7914_VECTOR)).isPresent()) {
                    return Optional.of(bound);
                }
            } catch (Throwable unavailable) {
                // not installed under this name, or native access refused: try the next, then the JDK
            }
        }
        return Optional.empty();
    }
}
