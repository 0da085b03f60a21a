package dev.pgmanager.config;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The secret that guards the cluster's znodes in ZooKeeper (a digest ACL). Operators may set it ({@code store.auth});
 * otherwise it is derived from the cluster's name and the superuser password, which every member and every operator
 * shell on a member already has, so that a cluster is protected with no extra setting. Changing the superuser password
 * then changes the derived secret: set {@code store.auth} before rotating it.
 */
public final class StoreSecret {
    private static final String CONTEXT = "pgmanager store auth v1:";
    /** A slow derivation: whoever sees the store secret on the wire cannot cheaply guess the password from it. */
    private static final int ITERATIONS = 100_000;

    private StoreSecret() {}

    public static String derive(String app, String superuserPassword) {
        return derive(CONTEXT, app, superuserPassword);
    }

    /** A secret for {@code context} (what it guards) and {@code app}, derived from the superuser password. */
    static String derive(String context, String app, String superuserPassword) {
        return HexFormat.of().formatHex(Pbkdf2.hmacSha256(superuserPassword, (context + app).getBytes(StandardCharsets.UTF_8),
                ITERATIONS, 256));
    }
}
