package dev.pgmanager.platform.bench.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts one member of a local cluster off from its peers with packet filter rules, and removes them again. Members
 * share one kernel, and on the loopback device a connection's source address is its destination, so addresses alone
 * cannot tell whose packet it is; each member runs in a cgroup of its own, and the rules match that
 * ({@code -m cgroup --path}, on the OUTPUT hook where the sending socket is known). Dropped, not rejected: the peers see
 * silence, as across a real partition. Clients outside the members' cgroups (the writers) still reach every member.
 *
 * <p>Everything lives in one chain of our own, entered only for packets to the cluster's own network, so no other
 * traffic on the machine is ever looked at. {@link #close} removes the chain and its jump, whatever state it is in.
 */
final class PeerPartition implements AutoCloseable {
    private final String tool;
    private final String chain;
    private final String network;
    private boolean installed;

    /**
     * @param ipv6 whether the members have IPv6 addresses ({@code ip6tables}) or IPv4 ones ({@code iptables})
     * @param network the cluster's network in CIDR form ({@code fdaa:1:2::/64}, {@code 127.4.5.0/24})
     * @param chain a name of our own for the chain (at most 28 characters)
     */
    PeerPartition(boolean ipv6, String network, String chain) {
        this.tool = ipv6 ? "ip6tables" : "iptables";
        this.network = network;
        this.chain = chain;
    }

    /**
     * Drops every packet from {@code cgroup}'s sockets to another address of the cluster, and every packet from a peer's
     * cgroup to {@code address}.
     */
    synchronized void cut(String address, String cgroup, List<String> peerCgroups) throws IOException {
        heal();
        run(true, "-N", chain);
        installed = true;
        run(true, "-A", chain, "-m", "cgroup", "--path", cgroup, "!", "-d", address, "-j", "DROP");
        for (String peer : peerCgroups) run(true, "-A", chain, "-m", "cgroup", "--path", peer, "-d", address, "-j", "DROP");
        run(true, "-I", "OUTPUT", "-d", network, "-j", chain);
    }

    /** Removes the jump and the chain (quietly: they may be half made, or gone). */
    synchronized void heal() throws IOException {
        // A jump inserted twice is removed twice; "-D" fails once none is left.
        while (run(false, "-D", "OUTPUT", "-d", network, "-j", chain)) {
            // removed one
        }
        run(false, "-F", chain);
        run(false, "-X", chain);
        installed = false;
    }

    synchronized boolean installed() {
        return installed;
    }

    @Override
    public void close() throws IOException {
        heal();
    }

    private boolean run(boolean required, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(tool, "-w"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        if (process.exitValue() != 0 && required) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
        return process.exitValue() == 0;
    }
}
