package dev.pgmanager.store.zookeeper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The digest of ZooKeeper's {@code digest} scheme, {@code user:base64(sha1(user:secret))}, as the server keeps it in
 * ACLs and in its {@code superDigest} setting. Computed here rather than with ZooKeeper's own helper on purpose: that
 * helper lives in the server's digest provider, which reads the {@code superDigest} system property once, when the
 * class loads. A client that loaded it in a JVM that starts a ZooKeeper peer later (a member that becomes a peer by
 * replace-peer) would freeze the administrator out of that peer.
 */
public final class ZooKeeperDigest {
    private ZooKeeperDigest() {}

    public static String of(String user, String secret) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA1").digest((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
            return user + ":" + Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1, which ZooKeeper's digest scheme needs", e);
        }
    }
}
