package dev.pgmanager.config;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * How members' addresses are looked up.
 *
 * @param servers     the name servers to ask; empty means the system's ({@code /etc/resolv.conf}, which on Fly.io
 *                    names {@code fdaa::3})
 * @param namePattern a member's DNS name, with {@code {machine_id}} and {@code {app}} filled in
 */
public record DnsConfig(List<InetSocketAddress> servers, String namePattern) {
    public DnsConfig {
        servers = List.copyOf(servers);
    }
}
