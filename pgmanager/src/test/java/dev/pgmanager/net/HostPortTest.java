package dev.pgmanager.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void ipv6HostsGoInBracketsAndIpv4HostsDoNot() {
        assertEquals("[fdaa:1a2b:3c4d::10]:5433", new HostPort("fdaa:1a2b:3c4d::10", 5433).toString());
        assertEquals("127.4.5.10:5433", new HostPort("127.4.5.10", 5433).toString());
        assertEquals("[fdaa::3]", HostPort.bracketed("[fdaa::3]"));
        assertEquals("fdaa:1a2b:3c4d::10", AddressText.canonical("fdaa:1a2b:3c4d:0:0:0:0:10"));
    }

    @Test
    void aBracketedHostIsKeptWithoutItsBrackets() {
        assertEquals(new HostPort("fdaa::3", 2181), new HostPort("[fdaa::3]", 2181));
        assertEquals(new HostPort("fdaa::3", 2181), HostPort.parse("[fdaa::3]:2181"));
        assertEquals("jdbc:postgresql://[fdaa::3]:5433/postgres", HostPort.parse("[fdaa::3]:5433").jdbcUrl("postgres"));
    }

    @Test
    void parsingRefusesWhatIsAmbiguousOrIncomplete() {
        assertEquals("needs brackets around its IPv6 address (like [::1]:2181)", HostPort.problemWith("::1:2181").orElseThrow());
        assertEquals("has no port (use host:port)", HostPort.problemWith("zk1").orElseThrow());
        assertEquals("has brackets around a host that is not an IPv6 address", HostPort.problemWith("[zk1]:2181").orElseThrow());
        assertTrue(HostPort.problemWith("zk1:70000").isPresent());
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(":2181"));
    }

    @Test
    void literalHostsResolveToThemselvesAndNamesStayUnresolved() {
        assertFalse(HostPort.parse("[::]:8008").socketAddress().isUnresolved());
        assertTrue(HostPort.parse("api.internal:8008").socketAddress().isUnresolved());
    }

    @Test
    void addressTextsOfOneAddressAreTheSame() {
        assertTrue(AddressText.same("fdaa::1", "fdaa:0:0:0:0:0:0:1"));
        assertFalse(AddressText.same("fdaa::1", "fdaa::2"));
        assertTrue(AddressText.same("127.0.0.1", "127.0.0.1"));
        assertFalse(AddressText.same("db.internal", "127.0.0.1"));
    }
}
