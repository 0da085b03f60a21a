package dev.pgmanager.cli;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.zookeeper.EmbeddedZooKeeper;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import dev.pgmanager.config.NetworkSyntax;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The cluster store: run a ZooKeeper server, or show what a cluster's store holds. */
@Command(
        name = "store",
        mixinStandardHelpOptions = true,
        description = "Run an embedded ZooKeeper server, or show a cluster's state in the store.",
        subcommands = {StoreCommand.Serve.class, StoreCommand.Show.class})
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
}
