package dev.pgmanager.ebpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The stale-address rewriter of one machine: BPF programs attached to a cgroup that send connections (TCP, connected
 * UDP) and datagrams aimed at an old address to the current one, keeping the port, and report each rewrite.
 *
 * <p>Everything lives in pinned objects under {@link RewriterSettings#pinRoot()}: rewriting goes on while no process
 * holds this class open, and a later {@link #open} picks the same programs and entries up again. {@link #close()}
 * keeps the pins; {@link #detach()} removes them. Nothing in pgmanager depends on the rewriter: where eBPF cannot
 * work, {@link #open} says why in {@link RewriterStatus.Off} and throws nothing.
 *
 * <p>Thread-safe: the map is the kernel's; events are polled one caller at a time.
 */
public final class StaleAddressRewriter implements AutoCloseable {
    private final Libbpf libbpf;
    private final PinLayout pins;
    private final int rewritesFd;
    private final int eventsFd;
    private final RewriteMap rewrites;
    private final EventRing events;
    private boolean closed;

    private StaleAddressRewriter(Libbpf libbpf, PinLayout pins) throws NativeCallFailed {
        this.libbpf = libbpf;
        this.pins = pins;
        rewritesFd = libbpf.objGet(pins.map(PinLayout.REWRITES).toString());
        try {
            eventsFd = libbpf.objGet(pins.map(PinLayout.EVENTS).toString());
        } catch (NativeCallFailed e) {
            Libc.close(rewritesFd);
            throw e;
        }
        rewrites = new RewriteMap(libbpf, rewritesFd);
        try {
            events = new EventRing(libbpf, eventsFd);
        } catch (NativeCallFailed e) {
            Libc.close(rewritesFd);
            Libc.close(eventsFd);
            throw e;
        }
    }

    /**
     * The rewriter attached to the settings' cgroup: the pinned one when there is one, else freshly loaded, attached
     * and pinned. Off when eBPF cannot work here, or when the pins belong to another cgroup.
     */
    public static RewriterStatus open(RewriterSettings settings) {
        try {
            Libbpf libbpf = Libbpf.load();
            Mounts mounts = Mounts.read();
            Path cgroup = Cgroups.resolve(settings.cgroup(), mounts);
            mounts = BpfFilesystem.preparePinDirectory(settings.pinRoot(), true, mounts);
            PinLayout pins = new PinLayout(settings.pinRoot().toAbsolutePath().normalize());
            OptionalLong pinnedCgroup = pins.complete() ? PinnedObjects.cgroupIdOf(libbpf, pins.link(Hook.CONNECT6))
                    : OptionalLong.empty();
            if (pinnedCgroup.isPresent() && pinnedCgroup.getAsLong() != 0
                    && pinnedCgroup.getAsLong() != Cgroups.id(cgroup)) {
                return new RewriterStatus.Off("the rewriter pinned under " + pins.root() + " is attached to "
                        + Cgroups.findById(pinnedCgroup.getAsLong(), mounts).map(Path::toString)
                                .orElse("cgroup id " + pinnedCgroup.getAsLong())
                        + ", not " + cgroup + ": detach it first");
            }
            if (pinnedCgroup.isEmpty() || pinnedCgroup.getAsLong() == 0) {
                // Nothing pinned, a partial set left by an interrupted attach, or links whose cgroup was removed.
                PinnedObjects.remove(libbpf, pins);
                BpfFilesystem.preparePinDirectory(pins.root(), true, mounts);
                new ProgramAttacher(libbpf).attach(cgroup, pins);
            }
            return new RewriterStatus.Running(new StaleAddressRewriter(libbpf, pins));
        } catch (RewriterUnavailable e) {
            return new RewriterStatus.Off(e.getMessage());
        } catch (NativeCallFailed | IOException e) {
            return new RewriterStatus.Off("cannot use the pinned rewriter under " + settings.pinRoot() + ": " + e.getMessage());
        }
    }

    /** The rewriter pinned under the settings' pin root, whichever cgroup it is attached to; Off when none is. */
    public static RewriterStatus openPinned(RewriterSettings settings) {
        try {
            Libbpf libbpf = Libbpf.load();
            BpfFilesystem.preparePinDirectory(settings.pinRoot(), false, Mounts.read());
            PinLayout pins = new PinLayout(settings.pinRoot().toAbsolutePath().normalize());
            if (!pins.complete()) {
                return new RewriterStatus.Off(pins.empty()
                        ? "not attached: nothing is pinned under " + pins.root()
                        : "not attached: only part of the rewriter is pinned under " + pins.root()
                                + " (an interrupted attach); attach again or detach");
            }
            return new RewriterStatus.Running(new StaleAddressRewriter(libbpf, pins));
        } catch (RewriterUnavailable e) {
            return new RewriterStatus.Off(e.getMessage());
        } catch (NativeCallFailed e) {
            return new RewriterStatus.Off("cannot use the pinned rewriter under " + settings.pinRoot() + ": " + e.getMessage());
        }
    }

    /**
     * Sends whatever dials {@code oldAddress} to {@code current} instead (same port). Repeating it is a no-op; changing
     * the target keeps the hit count. Both addresses must be of one family (IPv4 sockets cannot reach IPv6).
     */
    public void rewrite(InetAddress oldAddress, InetAddress current) {
        if ((oldAddress instanceof Inet4Address) != (current instanceof Inet4Address)) {
            throw new IllegalArgumentException("cannot rewrite " + oldAddress.getHostAddress() + " to "
                    + current.getHostAddress() + ": both addresses must be IPv4 or both IPv6");
        }
        if (oldAddress.equals(current)) {
            throw new IllegalArgumentException("cannot rewrite " + oldAddress.getHostAddress() + " to itself");
        }
        call(() -> {
            rewrites.put(oldAddress, current);
            return null;
        });
    }

    /** Stops rewriting {@code oldAddress}; false when it was not rewritten. */
    public boolean remove(InetAddress oldAddress) {
        return call(() -> rewrites.remove(oldAddress));
    }

    /** Every entry with its hit count. */
    public List<RewriteEntry> entries() {
        return call(rewrites::entries);
    }

    /** Hands every rewrite reported since the last poll to {@code consumer} (on this thread); returns how many. */
    public int pollEvents(Consumer<RewriteEvent> consumer) {
        return call(() -> events.poll(consumer));
    }

    /** Where the programs are attached, read from the pinned links. */
    public RewriterAttachment attachment() {
        return call(() -> {
            long cgroupId = PinnedObjects.cgroupIdOf(libbpf, pins.link(Hook.CONNECT6)).orElse(0);
            List<String> hooks = new ArrayList<>();
            for (Hook hook : Hook.values()) {
                if (Files.exists(pins.link(hook))) {
                    hooks.add(hook.programName());
                }
            }
            Mounts mounts;
            try {
                mounts = Mounts.read();
            } catch (RewriterUnavailable e) {
                throw new IllegalStateException(e.getMessage());
            }
            return new RewriterAttachment(pins.root(), cgroupId, Cgroups.findById(cgroupId, mounts), List.copyOf(hooks));
        });
    }

    /** Detaches the programs from the cgroup and removes every pin and the pin directory, then closes this. */
    public void detach() {
        close();
        try {
            PinnedObjects.remove(libbpf, pins);
        } catch (NativeCallFailed e) {
            throw new IllegalStateException("detaching the rewriter under " + pins.root() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("removing the pins under " + pins.root() + " failed", e);
        }
    }

    /** Releases this process's handles; the programs stay attached and the entries in place. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        events.close();
        Libc.close(eventsFd);
        Libc.close(rewritesFd);
    }

    private interface NativeAction<T> {
        T run() throws NativeCallFailed;
    }

    private <T> T call(NativeAction<T> action) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the rewriter handle is closed");
            }
        }
        try {
            return action.run();
        } catch (NativeCallFailed e) {
            throw new IllegalStateException("rewriter under " + pins.root() + ": " + e.getMessage(), e);
        }
    }
}
