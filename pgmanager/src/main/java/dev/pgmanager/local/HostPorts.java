package dev.pgmanager.local;

import dev.pgmanager.dns.AddressText;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Host and port as URLs and {@code host:port} settings want them: an IPv6 address in brackets
 * ({@code [fdaa:1a2b:3c4d::10]:5433}), an IPv4 address or a name as it is ({@code 127.1.2.10:5433}). The one place
 * that knows the bracket rule, so the local cluster, its tests and the benchmarks work with either family.
 */
public final class HostPorts {
    private HostPorts() {}

    /** {@code host:port}, with an IPv6 host in brackets. */
    public static String of(String address, int port) {
        return host(address) + ":" + port;
    }

    /** The host part of a URL: an IPv6 address in brackets, anything else as it is. */
    public static String host(String address) {
        return isIpv6(address) && !address.startsWith("[") ? "[" + address + "]" : address;
    }

    public static boolean isIpv6(String address) {
        return address.indexOf(':') >= 0;
    }

    /** A literal address as operators write it ({@code fdaa::10}, not {@code fdaa:0:0:0:0:0:0:10}). */
    public static String canonical(String address) {
        try {
            return AddressText.of(InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + address, e);
        }
    }
}
