package dev.pgmanager.ebpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads rewrite events from the pinned {@code events} ring buffer through libbpf's {@code ring_buffer} (an upcall
 * per event), without blocking: callers poll when it suits them and events wait in the ring meanwhile.
 *
 * <p>Layout of {@code struct rewrite_event}: u32 pid, u16 port, u8 protocol, u8 hook, char comm[16], old[16], new[16].
 */
final class EventRing implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRing.class);
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int HOOK_CONNECT = 1;
    private static final long EVENT_SIZE = 56;

    private final Libbpf libbpf;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private Consumer<RewriteEvent> consumer;

    EventRing(Libbpf libbpf, int mapFd) throws NativeCallFailed {
        this.libbpf = libbpf;
        MemorySegment callback;
        try {
            callback = Linker.nativeLinker().upcallStub(
                    MethodHandles.lookup().findVirtual(EventRing.class, "onSample",
                            MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class)).bindTo(this),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                    arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        try {
            ring = libbpf.ringBufferNew(mapFd, callback);
        } catch (NativeCallFailed e) {
            arena.close();
            throw e;
        }
    }

    /** Hands every waiting event to {@code consumer}; returns how many. */
    synchronized int poll(Consumer<RewriteEvent> consumer) throws NativeCallFailed {
        this.consumer = consumer;
        try {
            return libbpf.ringBufferConsume(ring);
        } finally {
            this.consumer = null;
        }
    }

    /** Called by libbpf on this thread during {@link #poll}. It must not throw: an exception here would abort the JVM. */
    private int onSample(MemorySegment context, MemorySegment data, long size) {
        try {
            if (size >= EVENT_SIZE) {
                consumer.accept(decode(data.reinterpret(EVENT_SIZE)));
            }
        } catch (RuntimeException e) {
            log.warn("a rewrite event consumer failed", e);
        }
        return 0;
    }

    static RewriteEvent decode(MemorySegment event) {
        int pid = event.get(ValueLayout.JAVA_INT, 0);
        int port = Short.toUnsignedInt(event.get(ValueLayout.JAVA_SHORT, 4));
        int protocol = Byte.toUnsignedInt(event.get(ValueLayout.JAVA_BYTE, 6));
        int hook = Byte.toUnsignedInt(event.get(ValueLayout.JAVA_BYTE, 7));
        byte[] comm = event.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
        int length = 0;
        while (length < comm.length && comm[length] != 0) {
            length++;
        }
        return new RewriteEvent(pid, new String(comm, 0, length, StandardCharsets.UTF_8), AddressKey.read(event, 24),
                AddressKey.read(event, 40), port, protocolName(protocol), hook == HOOK_CONNECT ? "connect" : "sendmsg");
    }

    private static String protocolName(int protocol) {
        return switch (protocol) {
            case IPPROTO_TCP -> "tcp";
            case IPPROTO_UDP -> "udp";
            default -> "ip protocol " + protocol;
        };
    }

    @Override
    public synchronized void close() {
        libbpf.ringBufferFree(ring);
        arena.close();
    }
}
