package dev.pgmanager.ensemble;

import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.zookeeper.EnsembleConfig;
import dev.pgmanager.store.zookeeper.EnsembleReconfiguration;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code pgmanager store replace-peer OLD NEW}: a member that runs no peer (NEW, a running member) takes the place of
 * peer OLD (typically a destroyed machine). NEW is told to start its peer with the current peers and itself; once it
 * follows the leader, one dynamic reconfiguration adds it and removes OLD. Refused, with nothing changed, when the
 * ensemble has no quorum now or would not have one after the change.
 */
public final class PeerReplacement {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final ZooKeeperClusterStore store;
    private final DnsSettings dns;
    private final MachineNames names;
    private final PrintWriter progress;

    public PeerReplacement(ZooKeeperClusterStore store, DnsSettings dns, MachineNames names, PrintWriter progress) {
        this.store = store;
        this.dns = dns;
        this.names = names;
        this.progress = progress;
    }

    /** A replacement that must not be made; the message says why and what to do instead. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    /**
     * @param connectString the ensemble, for the reconfiguration
     * @param patience      how long NEW's peer may take to start and follow the leader
     * @return the peers after the change
     * @throws Refused when the replacement would break the quorum, or OLD or NEW is not what it must be
     */
    public EnsembleConfig replace(String oldId, String newId, String connectString, String adminUser, String adminSecret,
                                  Duration patience) {
        EnsembleConfig current = store.ensembleConfig();
        if (current.isEmpty()) throw new Refused("the store is a standalone ZooKeeper server, not an ensemble: there is no peer to replace");
        EnsembleConfig.Server leaving = current.serverAt(dns.hostnameOf(MachineId.of(oldId))).orElseThrow(() ->
                new Refused(oldId + " is not a peer of the ensemble (its peers: " + current.connectString() + ")"));
        String newName = dns.hostnameOf(MachineId.of(newId));
        if (current.serverAt(newName).isPresent()) throw new Refused(newId + " is a peer already");
        if (!store.read().members().containsKey(newId)) {
            throw new Refused(newId + " is not a running member of the cluster (it has no member record): start its machine "
                    + "first; it joins as a client, and replace-peer then makes it a peer");
        }
        if (names.lookUp(newName).isEmpty()) throw new Refused(newName + " does not resolve in DNS: the new peer must be reachable by name");

        EnsembleStatus.Report now = EnsembleStatus.probe(current, PROBE_TIMEOUT);
        Optional<String> refusal = whyRefused(now, leaving.id());
        if (refusal.isPresent()) throw new Refused(refusal.get());

        long newServerId = current.servers().stream().mapToLong(EnsembleConfig.Server::id).max().orElse(0) + 1;
        EnsembleConfig.Server joining = new EnsembleConfig.Server(newServerId, newName, leaving.quorumPort(), leaving.electionPort(),
                leaving.clientPort());
        List<EnsembleConfig.Server> withNew = new ArrayList<>(current.servers());
        withNew.add(joining);
        EnsembleConfig joiningConfig = new EnsembleConfig(withNew);
        progress.println("asking " + newId + " to start its ZooKeeper peer (server " + newServerId + ")");
        store.announceJoiningPeer(Optional.of(joiningConfig));
        try {
            awaitFollowing(joiningConfig, joining, patience);
            progress.println(newId + " follows the leader; replacing peer " + leaving.id() + " (" + oldId + ") with it");
            return EnsembleReconfiguration.replace(connectString, adminUser, adminSecret, joining, leaving.id(), patience);
        } finally {
            store.announceJoiningPeer(Optional.empty());
        }
    }

    /**
     * The quorum rule, on what the peers report now. A reconfiguration commits only through a quorum, so the ensemble
     * must have one now. And the peers in sync other than the one leaving must be a quorum by themselves: otherwise
     * taking a healthy peer out leaves the ensemble's quorum hanging on the new peer catching up (replace a peer that
     * is down instead).
     */
    static Optional<String> whyRefused(EnsembleStatus.Report now, long leavingId) {
        int size = now.peers().size();
        if (!now.quorate()) {
            return Optional.of("the ensemble has no quorum now (" + now.inSync() + " of " + size + " peers in sync, "
                    + now.quorum() + " needed): no reconfiguration can commit. Bring peers back first (start their machines)");
        }
        long othersInSync = now.peers().stream().filter(p -> p.inSync() && p.id() != leavingId).count();
        if (othersInSync < now.quorum()) {
            List<String> down = now.peers().stream().filter(p -> !p.inSync()).map(EnsembleStatus.PeerStatus::host).toList();
            return Optional.of("replacing peer " + leavingId + " would break the quorum: it is in sync, and without it only "
                    + othersInSync + " of " + size + " peers are (" + now.quorum() + " needed), so the ensemble would hang on the "
                    + "new peer catching up. Replace a peer that is down instead: " + down);
        }
        return Optional.empty();
    }

    private static void awaitFollowing(EnsembleConfig config, EnsembleConfig.Server joining, Duration patience) {
        Instant deadline = Instant.now().plus(patience);
        EnsembleStatus.PeerStatus last = null;
        while (Instant.now().isBefore(deadline)) {
            last = EnsembleStatus.probe(new EnsembleConfig(List.of(joining)), PROBE_TIMEOUT).peers().getFirst();
            if (last.mode().equals("follower")) return;
            sleep();
        }
        throw new IllegalStateException("the new peer " + joining.host() + " did not follow the leader within " + patience.toSeconds()
                + " s (it is " + (last == null ? "unknown" : last.mode()) + "); the ensemble was not changed. See its log; "
                + "its member started a peer that is not part of the ensemble, which stops serving when it is restarted");
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
