package dev.pgmanager.platform.bench.chaos;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.LocalCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts one fault at a time on a local cluster and heals it, remembering what is in place so that {@link #close}
 * heals it whatever happened in between (a failed round, Ctrl-C): a paused sidecar is continued, a member cut off is
 * let through, filter rules are removed, a stopped store or member is started.
 */
final class FaultInjector implements AutoCloseable {
    private final LocalCluster cluster;
    private final PeerPartition partition;
    private final PrintStream progress;
    private Long pausedPid;
    private String cutFromStore;
    private String crashed;
    private boolean storeCrashed;

    FaultInjector(LocalCluster cluster, PrintStream progress) {
        this.cluster = cluster;
        this.progress = progress;
        LocalClusterFile file = cluster.file().orElseThrow();
        String first = file.members().getFirst().address();
        boolean ipv6 = HostPort.isIpv6(first);
        String network = ipv6 ? first.substring(0, first.indexOf("::") + 2) + "/64" : first.substring(0, first.lastIndexOf('.') + 1) + "0/24";
        this.partition = new PeerPartition(ipv6, network, "pgm-chaos-" + Integer.toHexString(cluster.dir().hashCode()));
    }

    /** Whether a member can be cut off from its peers here (root, members in cgroups of their own). */
    boolean canCutFromPeers() {
        return cluster.file().orElseThrow().members().stream().allMatch(m -> cluster.memberCgroup(m.machineId()).isPresent());
    }

    /** @param member the member it hits; ignored for the store */
    synchronized void inject(Fault fault, String member) throws IOException, InterruptedException {
        switch (fault) {
            case CRASH_MEMBER -> {
                crashed = member;
                cluster.kill(member);
            }
            case PAUSE_SIDECAR -> {
                long pid = cluster.sidecarPid(member).orElseThrow(() -> new IOException(member + "'s sidecar does not run"));
                signal("-STOP", pid);
                pausedPid = pid;
            }
            case CRASH_STORE -> {
                storeCrashed = true;
                cluster.killPlatform();
            }
            case CUT_FROM_STORE -> {
                cutFromStore = member;
                cluster.isolate(member);
            }
            case MIGRATE_MEMBER -> cluster.migrate(member, Duration.ZERO, progress);
            case CUT_FROM_PEERS -> {
                LocalClusterFile file = cluster.file().orElseThrow();
                List<String> peers = new ArrayList<>();
                for (LocalMember m : file.members()) if (!m.machineId().equals(member)) peers.add(cgroupOf(m.machineId()));
                partition.cut(file.member(member).orElseThrow().address(), cgroupOf(member), peers);
            }
            case CRASH_PRIMARY_POSTGRES -> cluster.killPostgres(member);
        }
    }

    /** Ends whatever fault is in place. */
    synchronized void heal() throws IOException, InterruptedException {
        if (pausedPid != null) {
            signal("-CONT", pausedPid);
            pausedPid = null;
        }
        if (cutFromStore != null) {
            cluster.heal(cutFromStore);
            cutFromStore = null;
        }
        if (partition.installed()) partition.heal();
        if (storeCrashed) {
            cluster.startPlatform();
            storeCrashed = false;
        }
        if (crashed != null) {
            cluster.start(crashed);
            crashed = null;
        }
    }

    @Override
    public synchronized void close() {
        try {
            heal();
        } catch (IOException | RuntimeException e) {
            System.err.println("could not heal every fault: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                partition.close();
            } catch (IOException e) {
                System.err.println("could not remove the packet filter rules: " + e.getMessage());
            }
        }
    }

    private String cgroupOf(String machineId) throws IOException {
        return cluster.memberCgroup(machineId).orElseThrow(() -> new IOException("member " + machineId
                + " runs in no cgroup of its own (that needs root and a cgroup2 mount): cannot tell its traffic apart"));
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes());
        if (kill.waitFor() != 0) throw new IOException("kill " + signal + " " + pid + " failed: " + output.strip());
    }
}
