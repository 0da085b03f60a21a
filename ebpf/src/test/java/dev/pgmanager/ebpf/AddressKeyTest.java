package dev.pgmanager.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AddressKeyTest {
    @Test
    void ipv4IsKeyedAsIpv4MappedIpv6AndReadBackAsIpv4() throws Exception {
        InetAddress address = InetAddress.getByName("127.12.34.56");

        byte[] key = AddressKey.bytes(address);

        assertEquals(InetAddress.getByName("::ffff:127.12.34.56"), InetAddress.getByAddress(key));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(16);
            AddressKey.write(address, segment, 0);
            assertEquals(address, assertInstanceOf(Inet4Address.class, AddressKey.read(segment, 0)));
        }
    }

    @Test
    void anEventIsDecodedFromTheProgramsLayout() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(56);
            event.set(ValueLayout.JAVA_INT, 0, 4242);
            event.set(ValueLayout.JAVA_SHORT, 4, (short) 54321);
            event.set(ValueLayout.JAVA_BYTE, 6, (byte) 17);
            event.set(ValueLayout.JAVA_BYTE, 7, (byte) 2);
            MemorySegment.copy("repmgrd".getBytes(StandardCharsets.UTF_8), 0, event, ValueLayout.JAVA_BYTE, 8, 7);
            AddressKey.write(InetAddress.getByName("fdaa:0:1::1"), event, 24);
            AddressKey.write(InetAddress.getByName("fdaa:0:2::1"), event, 40);

            assertEquals(new RewriteEvent(4242, "repmgrd", InetAddress.getByName("fdaa:0:1::1"),
                    InetAddress.getByName("fdaa:0:2::1"), 54321, "udp", "sendmsg"), EventRing.decode(event));
        }
    }
}
