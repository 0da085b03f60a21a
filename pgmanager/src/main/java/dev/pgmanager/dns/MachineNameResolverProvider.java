package dev.pgmanager.dns;

import dev.pgmanager.realtime.RealTimeThreads;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.security.Security;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Routes the JVM's own name lookups ({@link InetAddress#getByName}) for members' machine-ID names through
 * {@link MachineNames}, and every other name to the JVM's built-in resolver. Libraries that resolve host names
 * themselves (ZooKeeper's quorum peers and its client) then find members where pgmanager's DNS says they are:
 * through the configured DNS servers (the local DNS server plays Fly's), and at their new address after a move.
 *
 * <p>Registered as a {@code java.net.spi.InetAddressResolverProvider} service; the JVM loads it at its first lookup.
 * Until {@link #install} is called it passes everything to the built-in resolver.
 */
public final class MachineNameResolverProvider extends InetAddressResolverProvider {
    private static final AtomicReference<MachineNames> INSTALLED = new AtomicReference<>();

    /**
     * Answers machine-ID names from now on, and turns the JVM's own address cache off: it would keep a moved
     * member's old address for 30 s and a not-yet-registered name's failure for 10 s, while {@link MachineNames}
     * already caches for no longer than each record's TTL. Call it before the first lookup (the JVM reads its cache
     * policy once).
     */
    public static void install(MachineNames names) {
        disableJvmAddressCache();
        INSTALLED.set(names);
    }

    /** Called first thing in the process, before anything resolves a name, so the policy is read with these values. */
    public static void disableJvmAddressCache() {
        Security.setProperty("networkaddress.cache.ttl", "0");
        Security.setProperty("networkaddress.cache.negative.ttl", "0");
    }

    /** The names installed, if any. */
    public static Optional<MachineNames> installed() {
        return Optional.ofNullable(INSTALLED.get());
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                // a store peer's thread: the DNS client would start its threads at real-time priority, for good
                if (RealTimeThreads.passesItOn()) {
                    return RealTimeThreads.onOrdinaryThread(() -> lookUp(host, policy).toList(), UnknownHostException.class).stream();
                }
                return lookUp(host, policy);
            }

            private Stream<InetAddress> lookUp(String host, LookupPolicy policy) throws UnknownHostException {
                MachineNames names = INSTALLED.get();
                if (names == null || !names.owns(host)) return builtin.lookupByName(host, policy);
                InetAddress address = names.lookUp(host).orElseThrow(() ->
                        new UnknownHostException(host + ": no address in DNS for this member (see the DNS warnings in the log)"));
                // The answer carries the name it was asked for: ZooKeeper re-resolves a peer by the name of the address
                // it holds, and an address without one would be "re-resolved" to itself ever after.
                return Stream.of(InetAddress.getByAddress(host, address.getAddress()));
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "pgmanager machine-ID names";
    }
}
