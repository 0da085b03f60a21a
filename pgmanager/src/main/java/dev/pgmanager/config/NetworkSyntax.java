package dev.pgmanager.config;

import dev.pgmanager.net.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks network notation in configuration: IP literals, CIDR networks, {@code host:port} and ZooKeeper connect
 * strings. Never resolves a name: addresses here change under us, and a DNS answer at start-up proves nothing.
 */
public final class NetworkSyntax {
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private NetworkSyntax() {}

    /**
     * An IPv4 address in dotted-quad form or an IPv6 address, without brackets. Shorthand such as {@code 127.1} is
     * refused because pg_hba.conf and other tools do not all read it the same way.
     */
    static InetAddress ipLiteral(String text) {
        String candidate = text.strip();
        boolean looksValid = HostPort.isIpv6(candidate) || DOTTED_QUAD.matcher(candidate).matches();
        try {
            if (looksValid && !candidate.startsWith("[")) {
                return InetAddress.ofLiteral(candidate);
            }
        } catch (IllegalArgumentException notALiteral) {
            // reported below with the accepted forms
        }
        throw new IllegalArgumentException(ShownValue.of(text) + " is not an IP address (like 10.0.0.1 or fdaa::1)");
    }

    /** A network as pg_hba.conf takes it: {@code address/prefix-length}. */
    static String cidr(String text) {
        String candidate = text.strip();
        int slash = candidate.indexOf('/');
        if (slash > 0) {
            String address = candidate.substring(0, slash);
            int maxPrefix = HostPort.isIpv6(address) ? 128 : 32;
            try {
                ipLiteral(address);
                int prefix = Integer.parseInt(candidate.substring(slash + 1));
                if (prefix >= 0 && prefix <= maxPrefix) {
                    return candidate;
                }
            } catch (IllegalArgumentException notAnAddressOrPrefix) {
                // reported below with the accepted forms
            }
        }
        throw new IllegalArgumentException(ShownValue.of(text) + " is not a CIDR network (like 10.0.0.0/8 or fdaa::/16)");
    }

    /** {@code host:port} with IPv6 hosts in brackets: {@code [::1]:2181}. */
    static HostPort hostPort(String text) {
        HostPort.problemWith(text).ifPresent(problem -> {
            throw new IllegalArgumentException(ShownValue.of(text) + " " + problem);
        });
        return HostPort.parse(text);
    }

    /** A literal host becomes a resolved address; a name is kept unresolved, to be looked up when it is used. */
    public static InetSocketAddress socketAddress(String text) {
        return hostPort(text).socketAddress();
    }

    /**
     * ZooKeeper's {@code host:port[,host:port...]}, optionally followed by a chroot path ({@code /pgmanager}) as
     * ZooKeeper itself accepts.
     */
    public static String zooKeeperConnectString(String text) {
        String candidate = text.strip();
        int chrootStart = candidate.indexOf('/');
        String servers = chrootStart < 0 ? candidate : candidate.substring(0, chrootStart);
        List<String> problems = new ArrayList<>();
        if (chrootStart >= 0 && (candidate.endsWith("/") || candidate.contains("//"))) {
            problems.add("its chroot path " + ShownValue.of(candidate.substring(chrootStart)) + " is malformed");
        }
        for (String server : servers.split(",", -1)) {
            try {
                hostPort(server);
            } catch (IllegalArgumentException badServer) {
                problems.add(badServer.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(ShownValue.of(text)
                    + " is not a ZooKeeper connect string (host:port[,host:port...]): " + String.join("; ", problems));
        }
        return candidate;
    }

    static int port(String text) {
        try {
            int port = Integer.parseInt(text.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the accepted range
        }
        throw new IllegalArgumentException(ShownValue.of(text) + " is not a port (1-65535)");
    }
}
