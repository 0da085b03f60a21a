package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;

class ZooKeeperDigestTest {
    @Test
    void isTheDigestZooKeeperComputesItself() throws Exception {
        for (String secret : new String[] {"s3cret", "with:colon", "ünïcode", ""}) {
            assertEquals(DigestAuthenticationProvider.generateDigest("pgmanager:" + secret), ZooKeeperDigest.of("pgmanager", secret));
        }
    }
}
