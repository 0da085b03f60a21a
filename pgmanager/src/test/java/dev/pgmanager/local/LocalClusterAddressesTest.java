package dev.pgmanager.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.local.LocalClusterFile.LocalMember;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The local cluster's addresses work with either family. */
class LocalClusterAddressesTest {
    @Test
    void theDatabaseUrlBracketsIpv6Hosts() {
        LocalClusterFile file = cluster("fdaa:1a2b:3c4d::10", "fdaa:1a2b:3c4d::11");
        assertEquals("postgresql://postgres:pw@[fdaa:1a2b:3c4d::10]:5433,[fdaa:1a2b:3c4d::11]:5434/postgres"
                + "?target_session_attrs=read-write", LocalStatus.databaseUrl(file));
    }

    @Test
    void aMigrationTakesTheNextUnusedAddressOfTheSameNetwork() {
        assertEquals("fdaa:1a2b:3c4d::1a", LocalCluster.nextUnusedAddress(cluster("fdaa:1a2b:3c4d::10", "fdaa:1a2b:3c4d::19")));
        assertEquals("127.4.5.13", LocalCluster.nextUnusedAddress(cluster("127.4.5.10", "127.4.5.12")));
    }

    private static LocalClusterFile cluster(String first, String second) {
        return new LocalClusterFile("local", 1, 2, "pw", "rpw", "token",
                List.of(new LocalMember("aaaaaaaaaaaaaa", first, 5433, 8008, 3000),
                        new LocalMember("bbbbbbbbbbbbbb", second, 5434, 8009, 3001)));
    }
}
