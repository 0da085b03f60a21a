package dev.pgmanager.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A host and a port, the one place that knows how they are written together: an IPv6 address in brackets
 * ({@code [fdaa:1a2b:3c4d::10]:5433}), an IPv4 address or a name as it is ({@code 127.1.2.10:5433}). That is the form
 * of URLs (JDBC, HTTP), of ZooKeeper connect strings and of {@code host:port} settings.
 *
 * @param host a name or an IP literal, kept without brackets
 * @param port 0 (any, for a listener) to 65535
 */
public record HostPort(String host, int port) {
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");

    public HostPort {
        if (host == null || host.isEmpty()) throw new IllegalArgumentException("no host");
        host = unbracketed(host);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }

    /** An address, written as operators write it, and a port. */
    public static HostPort of(InetAddress address, int port) {
        return new HostPort(AddressText.of(address), port);
    }

    /**
     * Reads {@code host:port} as configuration and operators write it: an IPv6 host must be in brackets, a name must
     * be a valid host name, the port must be 1-65535. Never resolves a name.
     */
    public static HostPort parse(String text) {
        Optional<String> problem = problemWith(text);
        if (problem.isPresent()) throw new IllegalArgumentException('"' + text + "\" " + problem.get());
        String candidate = text.strip();
        int colon = candidate.lastIndexOf(':');
        return new HostPort(candidate.substring(0, colon), Integer.parseInt(candidate.substring(colon + 1)));
    }

    /**
     * What is wrong with {@code text} as a {@code host:port}, said as the end of a sentence about it ("has no
     * port"), or empty when {@link #parse} accepts it.
     */
    public static Optional<String> problemWith(String text) {
        String candidate = text.strip();
        int colon = candidate.lastIndexOf(':');
        if (colon < 0) return Optional.of("has no port (use host:port)");
        String host = candidate.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            String inside = host.substring(1, host.length() - 1);
            if (!isIpv6(inside)) return Optional.of("has brackets around a host that is not an IPv6 address");
            if (!isIpLiteral(inside)) return Optional.of("has an invalid IPv6 address in brackets");
        } else if (isIpv6(host)) {
            return Optional.of("needs brackets around its IPv6 address (like [::1]:2181)");
        } else if (host.isEmpty()) {
            return Optional.of("has no host");
        } else if (!HOST_NAME.matcher(host).matches()) {
            return Optional.of("has an invalid host name");
        }
        String port = candidate.substring(colon + 1);
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return Optional.of("has no valid port (1-65535)");
        }
        return Optional.empty();
    }

    /** The host as the host part of a URL wants it: an IPv6 address in brackets, anything else as it is. */
    public static String bracketed(String host) {
        return isIpv6(host) && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Whether a host (an address text, never a name) is an IPv6 address: only those contain a colon. */
    public static boolean isIpv6(String host) {
        return host.indexOf(':') >= 0;
    }

    /** A JDBC URL for {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + this + "/" + database;
    }

    /** A literal host as a resolved socket address; a name kept unresolved, to be looked up when it is used. */
    public InetSocketAddress socketAddress() {
        return isIpLiteral(host)
                ? new InetSocketAddress(InetAddress.ofLiteral(host), port)
                : InetSocketAddress.createUnresolved(host, port);
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    @Override
    public String toString() {
        return bracketed(host) + ":" + port;
    }

    private static boolean isIpLiteral(String host) {
        if (!isIpv6(host) && !DOTTED_QUAD.matcher(host).matches()) return false;
        try {
            InetAddress.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException notALiteral) {
            return false;
        }
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
