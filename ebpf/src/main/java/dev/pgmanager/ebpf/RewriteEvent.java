package dev.pgmanager.ebpf;

import java.net.InetAddress;

/**
 * A process dialed a stale address and was redirected: who, to where, how.
 *
 * @param pid the process (thread group) id
 * @param command the kernel's command name of the thread that dialed (at most 15 characters)
 * @param oldAddress the stale address it dialed
 * @param newAddress the address it was sent to instead
 * @param port the destination port (unchanged)
 * @param protocol "tcp", "udp", or "ip protocol N"
 * @param hook "connect" (TCP, connected UDP) or "sendmsg" (an unconnected UDP datagram)
 */
public record RewriteEvent(int pid, String command, InetAddress oldAddress, InetAddress newAddress, int port,
        String protocol, String hook) {}
