package dev.pgmanager.config;

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
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");

    private NetworkSyntax() {}

    /** A host and port as written; the host is a name or an IP literal (without brackets). */
    record HostPort(String host, int port) {}

    /**
     * An IPv4 address in dotted-quad form or an IPv6 address, without brackets. Shorthand such as {@code 127.1} is
     * refused because pg_hba.conf and other tools do not all read it the same way.
     */
    static InetAddress ipLiteral(String text) {
        String candidate = text.strip();
        boolean looksValid = candidate.contains(":") || DOTTED_QUAD.matcher(candidate).matches();
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
            int maxPrefix = address.contains(":") ? 128 : 32;
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
        String candidate = text.strip();
        int colon = candidate.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(ShownValue.of(text) + " has no port (use host:port)");
        }
        String host = candidate.substring(0, colon);
        String portText = candidate.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!host.contains(":")) {
                throw new IllegalArgumentException(ShownValue.of(text) + " has brackets around a host that is not an IPv6 address");
            }
            ipLiteral(host);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(ShownValue.of(text) + " needs brackets around its IPv6 address (like [::1]:2181)");
        } else if (host.isEmpty()) {
            throw new IllegalArgumentException(ShownValue.of(text) + " has no host");
        } else if (!HOST_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException(ShownValue.of(text) + " has an invalid host name");
        }
        return new HostPort(host, port(portText));
    }

    /** A literal host becomes a resolved address; a name is kept unresolved, to be looked up when it is used. */
    public static InetSocketAddress socketAddress(String text) {
        HostPort hostPort = hostPort(text);
        boolean literal = hostPort.host().contains(":") || DOTTED_QUAD.matcher(hostPort.host()).matches();
        return literal
                ? new InetSocketAddress(ipLiteral(hostPort.host()), hostPort.port())
                : InetSocketAddress.createUnresolved(hostPort.host(), hostPort.port());
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
