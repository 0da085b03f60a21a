package dev.pgmanager.ebpf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses as the BPF program keys them: 16 bytes in network order, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d) so
 * one map serves both families.
 */
final class AddressKey {
    static final int SIZE = 16;

    private AddressKey() {}

    static byte[] bytes(InetAddress address) {
        byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            byte[] mapped = new byte[SIZE];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(raw, 0, mapped, 12, 4);
            return mapped;
        }
        return raw;
    }

    static void write(InetAddress address, MemorySegment target, long offset) {
        MemorySegment.copy(bytes(address), 0, target, ValueLayout.JAVA_BYTE, offset, SIZE);
    }

    /** Reads 16 bytes back; IPv4-mapped ones come back as an {@link Inet4Address}. */
    static InetAddress read(MemorySegment source, long offset) {
        byte[] raw = source.asSlice(offset, SIZE).toArray(ValueLayout.JAVA_BYTE);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an address", e);
        }
    }
}
