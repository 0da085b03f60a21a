package dev.pgmanager.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.dns.AddressText;
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
    void addressTextsOfOneAddressAreTheSame() {
        assertTrue(AddressText.same("fdaa::1", "fdaa:0:0:0:0:0:0:1"));
        assertFalse(AddressText.same("fdaa::1", "fdaa::2"));
        assertTrue(AddressText.same("127.0.0.1", "127.0.0.1"));
        assertFalse(AddressText.same("db.internal", "127.0.0.1"));
    }
}
