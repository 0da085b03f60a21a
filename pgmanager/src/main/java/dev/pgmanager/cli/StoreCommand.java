package dev.pgmanager.cli;

import dev.pgmanager.api.EnsembleJson;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.config.NetworkSyntax;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.ensemble.EnsembleMembership;
import dev.pgmanager.ensemble.PeerReplacement;
import dev.pgmanager.realtime.RealTimeThreads;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.EnsembleConfig;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.RecordRepair;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The cluster store: run a ZooKeeper server, or show what a cluster's store holds. */
@Command(
        name = "store",
        mixinStandardHelpOptions = true,
        description = {
            "Run an embedded ZooKeeper server, show a cluster's state in the store, repair records that cannot be read, or",
            "look after the ensemble of store mode ensemble (ZooKeeper peers inside the first members' sidecars): its",
            "status, and replacing a lost peer.",
        },
        subcommands = {StoreCommand.Serve.class, StoreCommand.Show.class, StoreCommand.Status.class, StoreCommand.Repair.class,
            StoreCommand.ReplacePeer.class})
final class StoreCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description = {
                "Runs a standalone ZooKeeper server in this process until it is stopped (SIGTERM or Ctrl-C).",
                "For local clusters and tests; production uses an ensemble.",
            })
    static final class Serve implements Runnable {
        @Option(names = "--listen", defaultValue = "127.0.0.1:2181", paramLabel = "HOST:PORT",
                description = "Client address to listen on (default: ${DEFAULT-VALUE}).")
        String listen;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR",
                description = "Where ZooKeeper keeps its snapshots and transaction log (created if missing).")
        Path dataDir;

        @Option(names = "--tick-time", defaultValue = "200ms", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "ZooKeeper's tick (default: ${DEFAULT-VALUE}). A short tick lets clients use the short sessions "
                        + "(leases) that make failover fast.")
        Duration tickTime;

        @Override
        public void run() {
            InetSocketAddress address = NetworkSyntax.socketAddress(listen);
            CountDownLatch stopped = new CountDownLatch(1);
            RealTimeThreads.enableForThisProcess();
            try (EmbeddedZooKeeper server = EmbeddedZooKeeper.standalone(dataDir, address, tickTime)) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    server.close();
                    stopped.countDown();
                }));
                System.out.println("ZooKeeper serving on " + server.connectString() + " (data in " + dataDir + ")");
                System.out.flush();
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = {"Prints one cluster's state as the store holds it (spec, members, leader and epoch, history), as JSON.",
                    "Authenticates to the cluster's znodes with PGMANAGER_STORE_AUTH, else with the secret derived from the",
                    "superuser password in SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD (as the members do); each may name a file",
                    "instead with _FILE appended."})
    static final class Show implements Runnable {
        @Option(names = "--store", required = true, defaultValue = "${env:PGMANAGER_STORE}", paramLabel = "CONNECT",
                description = "ZooKeeper connect string host:port[,host:port...] (env PGMANAGER_STORE).")
        String connect;

        @Option(names = "--cluster", required = true, defaultValue = "${env:FLY_APP_NAME}", paramLabel = "NAME",
                description = "The cluster (app) name (env FLY_APP_NAME).")
        String cluster;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            try (ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(connect, cluster)
                    .withSecret(ClusterTarget.storeSecretFromEnvironment(cluster))
                    .withStartupWait(Duration.ofSeconds(10)))) {
                ClusterSnapshot snapshot = store.read();
                spec.commandLine().getOut().println(Json.pretty(snapshot));
            }
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = {
                "Shows the store's ZooKeeper ensemble: each peer by machine ID and DNS name, the address its name resolves to",
                "now, whether it leads or follows (asked of the peer itself) and whether it is in sync; and whether a quorum",
                "serves. On a member in store mode ensemble, the peers come from the peer list on its volume.",
            },
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:a quorum of the peers serves (or the store is a single server that serves)",
                "1:no quorum serves, or the store could not be reached",
                "2:invalid command line, or no cluster named",
            })
    static final class Status implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClusterTarget target;

        @picocli.CommandLine.Mixin
        OutputOption output;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            EnsembleConfig peers;
            try (ZooKeeperClusterStore store = target.openStore()) {
                peers = store.ensembleConfig();
            }
            var out = spec.commandLine().getOut();
            if (peers.isEmpty()) {
                out.println("the store at " + target.target().store() + " is a single ZooKeeper server (no ensemble)");
                return 0;
            }
            EnsembleStatus.Report report = EnsembleStatus.probe(peers, Duration.ofSeconds(2));
            var names = target.memberNames();
            var json = EnsembleJson.of(report, names::machineIdOf);
            if (output.format == OutputFormat.json) {
                out.println(Json.pretty(json));
            } else {
                out.println("ensemble: " + (report.quorate() ? "quorate" : "NO QUORUM") + ", " + report.inSync() + " of "
                        + report.peers().size() + " peers in sync (" + report.quorum() + " needed)");
                TextTable table = new TextTable("SERVER", "MACHINE ID", "MODE", "IN SYNC", "ADDRESS", "NAME", "ZXID");
                for (var peer : json.path("peers")) {
                    table.row(peer.path("server_id").asText(), text(peer, "machine_id"), text(peer, "mode"),
                            peer.path("in_sync").asBoolean() ? "yes" : "no", text(peer, "address"), text(peer, "name"), text(peer, "zxid"));
                }
                table.print(out);
            }
            out.flush();
            return report.quorate() ? 0 : 1;
        }

        private static String text(com.fasterxml.jackson.databind.JsonNode node, String field) {
            var value = node.path(field);
            return value.isMissingNode() || value.isNull() ? null : value.asText();
        }
    }

    @Command(
            name = "repair",
            mixinStandardHelpOptions = true,
            description = {
                "Finds the cluster's records that cannot be read (garbage, or a format this version does not know) and copies "
                        + "each under /pgmanager/<cluster>/repaired/ before removing it, or rewriting it where the cluster "
                        + "cannot do without it (the epoch counter). Every removed record is one the cluster writes again by "
                        + "itself or can do without; each line says which.",
                "The sidecars decide without an unreadable record meanwhile, but an unreadable leader record blocks every "
                        + "election until its owner removes it, and an unreadable identity or epoch counter stops every control "
                        + "loop. --dry-run prints what it would do and changes nothing.",
            },
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:every record is readable, or was repaired (or, with --dry-run, would be)",
                "1:the store could not be reached, or a repair failed",
                "2:invalid command line, or no cluster named",
            })
    static final class Repair implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClusterTarget target;

        @Option(names = "--dry-run", description = "Print what would be done, and change nothing.")
        boolean dryRun;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            try (ZooKeeperClusterStore store = target.openStore()) {
                List<RecordRepair> repairs = store.repairUnreadable(dryRun);
                if (repairs.isEmpty()) out.println("every record of cluster " + target.target().cluster() + " is readable");
                for (RecordRepair r : repairs) {
                    out.println(r.location() + ": " + r.problem());
                    out.println("  " + r.remedy() + r.keptAt().map(k -> "; its bytes are kept at " + k).orElse(""));
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(
            name = "replace-peer",
            mixinStandardHelpOptions = true,
            description = {
                "Replaces ZooKeeper peer OLD_ID (typically a destroyed machine) with NEW_ID, a running member that runs no",
                "peer yet, by ZooKeeper's dynamic reconfiguration. NEW_ID starts its peer with the current peers and itself;",
                "once it follows the leader, one reconfiguration adds it and removes OLD_ID. Refused, changing nothing, when",
                "the ensemble has no quorum, or when OLD_ID is in sync and the other peers in sync are no quorum without it.",
                "Needs the cluster's superuser password (the ensemble's administrator secret): a local cluster's by --dir,",
                "else env SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD.",
            },
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:replaced; the new peer list is printed",
                "1:refused or failed (the message says why); the ensemble is unchanged",
                "2:invalid command line, or no cluster named",
            })
    static final class ReplacePeer implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClusterTarget target;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "OLD_ID", description = "The machine ID of the peer to replace.")
        String oldId;

        @picocli.CommandLine.Parameters(index = "1", paramLabel = "NEW_ID", description = "The machine ID of the member to make a peer.")
        String newId;

        @Option(names = "--timeout", defaultValue = "90s", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How long the new peer may take to start and follow the leader (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String secret = adminSecret();
            var out = spec.commandLine().getOut();
            try (ZooKeeperClusterStore store = target.openStore()) {
                var dns = DnsSettings.forApp(target.target().cluster()).withServers(target.target().dnsServers());
                var replacement = new PeerReplacement(store, dns, target.memberNames(), out);
                EnsembleConfig after = replacement.replace(oldId, newId, target.target().store(), EnsembleMembership.ADMIN_USER,
                        secret, timeout);
                out.println("replaced " + oldId + " with " + newId + "; the peers now:");
                out.print(after.format());
                out.flush();
                return 0;
            } catch (PeerReplacement.Refused refused) {
                throw new CommandFailed("refused: " + refused.getMessage());
            } catch (IllegalStateException failed) {
                throw new CommandFailed(failed.getMessage(), failed);
            }
        }

        private String adminSecret() {
            java.nio.file.Path dir = target.dir != null ? target.dir : java.nio.file.Path.of(ClusterTarget.DEFAULT_DIR);
            return LocalClusterFile.read(dir).map(LocalClusterFile::superuserPassword)
                    .or(() -> ClusterTarget.environment("SU_PASSWORD", "PGMANAGER_SUPERUSER_PASSWORD"))
                    .orElseThrow(() -> new IllegalArgumentException("replace-peer needs the cluster's superuser password: "
                            + "give --dir (a local cluster), or set SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD"));
        }
    }
}
