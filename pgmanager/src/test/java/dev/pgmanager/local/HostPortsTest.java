package dev.pgmanager.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.dns.AddressText;
import dev.pgmanager.local.LocalClusterFile.LocalMember;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostPortsTest {
    @Test
    void ipv6HostsGoInBracketsAndIpv4HostsDoNot() {
        assertEquals("[fdaa:1a2b:3c4d::10]:5433", HostPorts.of("fdaa:1a2b:3c4d::10", 5433));
        assertEquals("127.4.5.10:5433", HostPorts.of("127.4.5.10", 5433));
        assertEquals("[fdaa::3]", HostPorts.host("[fdaa::3]"));
        assertEquals("fdaa:1a2b:3c4d::10", HostPorts.canonical("fdaa:1a2b:3c4d:0:0:0:0:10"));
    }

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

    @Test
    void addressTextsOfOneAddressAreTheSame() {
        assertTrue(AddressText.same("fdaa::1", "fdaa:0:0:0:0:0:0:1"));
        assertFalse(AddressText.same("fdaa::1", "fdaa::2"));
        assertTrue(AddressText.same("127.0.0.1", "127.0.0.1"));
        assertFalse(AddressText.same("db.internal", "127.0.0.1"));
    }

    private static LocalClusterFile cluster(String first, String second) {
        return new LocalClusterFile("local", 1, 2, "pw", "rpw", "token",
                List.of(new LocalMember("aaaaaaaaaaaaaa", first, 5433, 8008, 3000),
                        new LocalMember("bbbbbbbbbbbbbb", second, 5434, 8009, 3001)));
    }
}
