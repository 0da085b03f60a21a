package dev.pgmanager.ebpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The pinned {@code rewrites} hash map: old address to {@code struct rewrite { current address; u64 hits; }}. The
 * program counts hits in place; updates here keep them.
 */
final class RewriteMap {
    private static final long HITS_OFFSET = AddressKey.SIZE;
    private static final long VALUE_SIZE = AddressKey.SIZE + Long.BYTES;

    private final Libbpf libbpf;
    private final int fd;

    RewriteMap(Libbpf libbpf, int fd) {
        this.libbpf = libbpf;
        this.fd = fd;
    }

    /** Points {@code oldAddress} at {@code current}; a no-op when it already does, so callers may repeat it freely. */
    void put(InetAddress oldAddress, InetAddress current) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = key(arena, oldAddress);
            MemorySegment value = arena.allocate(VALUE_SIZE, Long.BYTES);
            if (libbpf.mapLookup(fd, key, value) && AddressKey.read(value, 0).equals(current)) {
                return;
            }
            // The hit count already in value stays: it belongs to the old address, whatever it now leads to.
            AddressKey.write(current, value, 0);
            libbpf.mapUpdate(fd, key, value);
        }
    }

    /** False when there was no entry. */
    boolean remove(InetAddress oldAddress) throws NativeCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            return libbpf.mapDelete(fd, key(arena, oldAddress));
        }
    }

    List<RewriteEntry> entries() throws NativeCallFailed {
        List<RewriteEntry> entries = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(AddressKey.SIZE);
            MemorySegment next = arena.allocate(AddressKey.SIZE);
            MemorySegment value = arena.allocate(VALUE_SIZE, Long.BYTES);
            MemorySegment previous = MemorySegment.NULL;
            while (libbpf.mapNextKey(fd, previous, next)) {
                key.copyFrom(next);
                // An entry deleted between the two calls is simply not listed.
                if (libbpf.mapLookup(fd, key, value)) {
                    entries.add(new RewriteEntry(AddressKey.read(key, 0), AddressKey.read(value, 0),
                            value.get(ValueLayout.JAVA_LONG, HITS_OFFSET)));
                }
                previous = key;
            }
        }
        return entries;
    }

    private static MemorySegment key(Arena arena, InetAddress address) {
        MemorySegment key = arena.allocate(AddressKey.SIZE);
        AddressKey.write(address, key, 0);
        return key;
    }
}
