package dev.pgmanager.ensemble;

import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.dns.DiscoveredMember;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.EnsembleConfig;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperDigest;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's place in a self-contained store (store mode {@code ensemble}): which members run the ZooKeeper
 * peers, whether this one does (then it runs its peer here, in the sidecar's JVM), and the connect string every
 * member uses. Peers are named by machine-ID DNS names, never by address.
 *
 * <p>The peer set is chosen once, at bootstrap: the {@code size} smallest machine IDs the platform lists
 * ({@code vms.<app>.internal}), all of whose names must resolve. It is kept on every member's volume and, as the
 * ensemble's own configuration, in the store; a member that finds a serving ensemble takes its peer list from it.
 * Later members are clients only, until {@code pgmanager store replace-peer} makes one a peer.
 */
public final class EnsembleMembership implements AutoCloseable {
    /** The user name of the ensemble's administrator, who may reconfigure it (replace-peer). */
    public static final String ADMIN_USER = "pgmanager";
    private static final Logger log = LoggerFactory.getLogger(EnsembleMembership.class);
    private static final Duration PROBE_WAIT = Duration.ofSeconds(3);
    private static final Duration KEEPER_INTERVAL = Duration.ofSeconds(2);

    private final String app;
    private final String myHost;
    private final StoreConfig.Ensemble settings;
    private final PeerListFile file;
    private volatile EnsembleConfig peers;
    private volatile EmbeddedZooKeeper peer;
    private ScheduledExecutorService keeper;

    private EnsembleMembership(String app, String myHost, StoreConfig.Ensemble settings, String adminSecret) {
        this.app = app;
        this.myHost = myHost;
        this.settings = settings;
        this.file = new PeerListFile(settings.dataDir());
        // Now, before this JVM's store client or any peer can load ZooKeeper's digest provider, which reads it once.
        allowAdministration(adminSecret);
    }

    /**
     * Finds (or at bootstrap chooses) the peer set and starts this member's peer when it is one.
     *
     * @param adminSecret the secret of the ensemble's administrator (the cluster's superuser password)
     * @throws EnsembleBootstrapException when the peers cannot be chosen (too few machines listed, names that do
     *     not resolve); nothing is written then
     */
    public static EnsembleMembership start(String machineId, String app, StoreConfig.Ensemble settings, DnsSettings dns,
                                           DnsAddressResolver resolver, Duration patience, String adminSecret) {
        var membership = new EnsembleMembership(app, dns.hostnameOf(MachineId.of(machineId)), settings, adminSecret);
        EnsembleConfig peers = membership.file.read()
                .filter(onVolume -> !membership.setAsideIfAnotherApps(onVolume, MachineNames.forTool(dns, resolver), dns))
                .orElseGet(() -> membership.choose(machineId, dns, resolver, patience));
        membership.peers = peers;
        peers.serverAt(membership.myHost).ifPresentOrElse(me -> membership.startPeer(me.id(), peers),
                () -> log.info("this member is a client of the ensemble {}", peers.connectString()));
        return membership;
    }

    /** The ensemble's client connect string, by name. */
    public String connectString() {
        return peers.connectString();
    }

    public EnsembleConfig peers() {
        return peers;
    }

    /** This member's DNS name, by which the ensemble knows its peer. */
    public String name() {
        return myHost;
    }

    /** What each peer does now (asks them, each for at most {@code timeout}). */
    public EnsembleStatus.Report status(Duration timeout) {
        return EnsembleStatus.probe(peers, timeout);
    }

    /**
     * Why stopping this member now would cost the ensemble its quorum: it runs a peer, and without it fewer than a
     * majority of the peers would be in sync. Empty when stopping it is harmless to the store.
     */
    public Optional<String> whyStopBreaksQuorum(Duration timeout) {
        if (peer == null) return Optional.empty();
        return whyStopBreaksQuorum(status(timeout), myHost);
    }

    /** The rule of {@link #whyStopBreaksQuorum(Duration)}, on what the peers report now, for the peer named {@code myHost}. */
    static Optional<String> whyStopBreaksQuorum(EnsembleStatus.Report report, String myHost) {
        long othersInSync = report.peers().stream().filter(p -> p.inSync() && !p.host().equalsIgnoreCase(myHost)).count();
        if (othersInSync >= report.quorum()) return Optional.empty();
        return Optional.of("this member runs a ZooKeeper peer, and without it only " + othersInSync + " of "
                + report.peers().size() + " peers would be in sync, fewer than the " + report.quorum() + " a quorum needs");
    }

    /** This member's running peer, when it is one. */
    public Optional<EmbeddedZooKeeper> peer() {
        return Optional.ofNullable(peer);
    }

    /**
     * Keeps the peer list on the volume equal to the ensemble's (after a replace-peer), and starts this member's
     * peer when {@code replace-peer} announces it as the joining one.
     */
    public void keepCurrent(ZooKeeperClusterStore store) {
        keeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("ensemble-keeper").daemon().factory());
        keeper.scheduleWithFixedDelay(() -> keepCurrentOnce(store), 0, KEEPER_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void keepCurrentOnce(ZooKeeperClusterStore store) {
        try {
            if (peer == null) {
                Optional<EnsembleConfig> joining = store.joiningPeers().filter(c -> c.serverAt(myHost).isPresent());
                if (joining.isPresent()) {
                    log.info("replace-peer makes this member a peer of the ensemble: starting its peer");
                    file.write(joining.get());
                    peers = joining.get();
                    startPeer(joining.get().serverAt(myHost).orElseThrow().id(), joining.get());
                    return;
                }
            }
            EnsembleConfig current = store.ensembleConfig();
            // A peer that is joining is not in the ensemble's list until the reconfiguration: keep its own list until then.
            boolean mine = current.serverAt(myHost).isPresent() || peer == null;
            if (!current.isEmpty() && mine && !current.equals(peers)) {
                log.info("the ensemble's peers changed: {} (was {})", current.connectString(), peers.connectString());
                file.write(current);
                peers = current;
            }
        } catch (StoreException | IllegalArgumentException e) {
            log.debug("could not compare the peer list with the ensemble's: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("keeping the peer list current failed", e);
        }
    }

    /**
     * A volume forked from another app's member ({@code fly pg create --fork-from}, a volume snapshot) carries that
     * app's store: its peer list names the other app's machines. This member must never join that ensemble (it would
     * serve as one of its peers under another's ID) nor read its cluster: the copy is moved aside, kept for an operator,
     * and this app chooses its own peers. Its PostgreSQL data then becomes the first member of the new cluster.
     *
     * @return whether the store's data on this volume was another app's (and is now moved aside)
     */
    private boolean setAsideIfAnotherApps(EnsembleConfig onVolume, MachineNames ours, DnsSettings dns) {
        List<String> strangers = onVolume.servers().stream().map(EnsembleConfig.Server::host).filter(host -> !ours.owns(host)).toList();
        if (strangers.isEmpty()) return false;
        // Only names that say which other app they belong to prove a fork; anything else (a changed dns.name_pattern,
        // a hand-edited list) is not moved on a guess: the member stops and says what it found
        java.util.regex.Pattern anotherApp = anotherAppsNames(dns);
        List<String> unexplained = strangers.stream().filter(host -> {
            java.util.regex.Matcher m = anotherApp.matcher(host.toLowerCase(java.util.Locale.ROOT));
            return !m.matches() || m.groupCount() == 0 || m.group(1).equals(app.toLowerCase(java.util.Locale.ROOT));
        }).toList();
        if (!unexplained.isEmpty()) {
            throw new EnsembleBootstrapException("the peer list " + file.path() + " names " + unexplained + ", which are not "
                    + "this app's names (" + dns.namePattern() + ") nor another app's: if dns.name_pattern changed, change it "
                    + "back; if the list is wrong, move " + settings.dataDir() + " aside by hand. Nothing was started or changed");
        }
        Path dataDir = settings.dataDir();
        Path aside = dataDir.resolveSibling(dataDir.getFileName() + ".another-app-" + Instant.now().getEpochSecond());
        try {
            Files.move(dataDir, aside);
        } catch (IOException e) {
            throw new EnsembleBootstrapException("the store's data in " + dataDir + " belongs to another app (its peers are "
                    + strangers + "; this volume was forked from one of its machines) and cannot be moved aside: " + e.getMessage()
                    + "; move it away by hand, and this member starts the app's own ensemble");
        }
        log.warn("the store's data in {} belongs to another app (its peers are {}): this volume was forked from one of its "
                + "machines. Moved it to {} and choosing this app's own peers; the other app's ensemble is never contacted",
                dataDir, strangers, aside);
        return true;
    }

    /** A member's name under the name pattern, whatever its app: the app in group 1. */
    private static java.util.regex.Pattern anotherAppsNames(DnsSettings dns) {
        String pattern = dns.namePattern().toLowerCase(java.util.Locale.ROOT);
        StringBuilder regex = new StringBuilder();
        int at = 0;
        while (at < pattern.length()) {
            if (pattern.startsWith(DnsSettings.MACHINE_ID, at)) {
                regex.append("[a-z0-9][a-z0-9_]{0,62}");
                at += DnsSettings.MACHINE_ID.length();
            } else if (pattern.startsWith(DnsSettings.APP, at)) {
                regex.append("([a-z0-9][a-z0-9-]{0,62})");
                at += DnsSettings.APP.length();
            } else {
                regex.append(java.util.regex.Pattern.quote(String.valueOf(pattern.charAt(at))));
                at++;
            }
        }
        return java.util.regex.Pattern.compile(regex.toString());
    }

    private EnsembleConfig choose(String machineId, DnsSettings dns, DnsAddressResolver resolver, Duration patience) {
        Instant deadline = Instant.now().plus(patience);
        List<DiscoveredMember> listed;
        while (true) {
            listed = resolver.discoverMembers();
            Optional<EnsembleConfig> serving = servingEnsemble(machineId, listed, dns);
            if (serving.isPresent()) {
                log.info("found a serving ensemble ({}): taking its peer list", serving.get().connectString());
                file.write(serving.get());
                return serving.get();
            }
            if (listed.size() >= settings.size()) break;
            if (Instant.now().isAfter(deadline)) {
                throw new EnsembleBootstrapException("cannot choose the ensemble's peers: " + dns.membersName() + " lists "
                        + listed.size() + " machine(s) " + ids(listed) + ", and store.ensemble.size is " + settings.size()
                        + "; start " + settings.size() + " machines (or use store.mode external)");
            }
            sleep(Duration.ofSeconds(1));
        }
        List<MachineId> chosen = listed.stream().map(DiscoveredMember::machineId).sorted().limit(settings.size()).toList();
        List<MachineId> unresolved = unresolved(chosen, resolver, deadline);
        if (!unresolved.isEmpty()) {
            throw new EnsembleBootstrapException("cannot bootstrap the ensemble: the names of the chosen peers "
                    + unresolved.stream().map(dns::hostnameOf).toList() + " do not resolve in DNS"
                    + (dns.servers().isEmpty() ? "" : " (servers " + dns.servers() + ")")
                    + "; no peer was started and no peer list written. Check that these machines exist and that DNS answers for them");
        }
        List<EnsembleConfig.Server> servers = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            servers.add(new EnsembleConfig.Server(i + 1, dns.hostnameOf(chosen.get(i)), settings.quorumPort(),
                    settings.electionPort(), settings.clientPort()));
        }
        EnsembleConfig config = new EnsembleConfig(servers);
        log.info("bootstrap: the ensemble's peers are {} (the {} smallest of {} machine IDs listed)", chosen, settings.size(), listed.size());
        file.write(config);
        return config;
    }

    /** An ensemble that already serves (this machine is new to the app) decides who the peers are. */
    private Optional<EnsembleConfig> servingEnsemble(String machineId, List<DiscoveredMember> listed, DnsSettings dns) {
        List<String> others = listed.stream().map(DiscoveredMember::machineId).filter(id -> !id.value().equals(machineId))
                .map(id -> dns.hostnameOf(id) + ":" + settings.clientPort()).toList();
        if (others.isEmpty()) return Optional.empty();
        try (ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(String.join(",", others), app)
                .withStartupWait(PROBE_WAIT))) {
            return Optional.of(store.ensembleConfig()).filter(c -> !c.isEmpty());
        } catch (StoreException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static List<MachineId> unresolved(List<MachineId> chosen, DnsAddressResolver resolver, Instant deadline) {
        List<MachineId> missing = chosen.stream().filter(id -> resolver.resolve(id).isEmpty()).toList();
        while (!missing.isEmpty() && Instant.now().isBefore(deadline)) {
            sleep(Duration.ofSeconds(1));
            missing = missing.stream().filter(id -> resolver.resolve(id).isEmpty()).toList();
        }
        return missing;
    }

    private void startPeer(long id, EnsembleConfig config) {
        log.info("starting ZooKeeper peer {} ({}) of {}", id, myHost, config.connectString());
        peer = EmbeddedZooKeeper.reconfigurablePeer(id, settings.dataDir(), config.peerSpecs(), EmbeddedZooKeeper.DEFAULT_TICK_TIME);
    }

    /**
     * Dynamic reconfiguration is ZooKeeper's administrator's privilege: the administrator is {@value #ADMIN_USER}
     * with the cluster's secret. ZooKeeper reads this once per process, when its digest provider class loads, so it is
     * set before anything in the sidecar connects to or serves the store, also on a member that is only a client now
     * and becomes a peer later (replace-peer: the reconfiguration may reach the new peer first).
     */
    private static void allowAdministration(String secret) {
        System.setProperty("zookeeper.DigestAuthenticationProvider.superDigest", ZooKeeperDigest.of(ADMIN_USER, secret));
    }

    private static String ids(List<DiscoveredMember> listed) {
        return listed.stream().map(DiscoveredMember::machineId).sorted().toList().toString();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnsembleBootstrapException("interrupted while choosing the ensemble's peers");
        }
    }

    /** Stops the keeper and this member's peer (after the member's store session has closed). */
    @Override
    public void close() {
        if (keeper != null) keeper.shutdownNow();
        if (peer != null) peer.close();
    }
}
