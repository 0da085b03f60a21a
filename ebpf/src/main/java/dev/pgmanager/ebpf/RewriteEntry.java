package dev.pgmanager.ebpf;

import java.net.InetAddress;

/**
 * One rewrite in the map.
 *
 * @param oldAddress the stale address processes still dial
 * @param currentAddress where those connections and datagrams go instead (same port)
 * @param hits connects and datagrams rewritten since the entry was added
 */
public record RewriteEntry(InetAddress oldAddress, InetAddress currentAddress, long hits) {}
