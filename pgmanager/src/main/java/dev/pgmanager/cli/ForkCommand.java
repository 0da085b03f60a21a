package dev.pgmanager.cli;

import dev.pgmanager.config.BaseBackupSettings;
import dev.pgmanager.config.ConfigException;
import dev.pgmanager.local.LocalCluster;
import dev.pgmanager.local.LocalFork;
import dev.pgmanager.local.LocalStatus;
import dev.pgmanager.store.Member;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgmanager fork --from ID --cluster NEW_NAME}: a new, independent cluster from one member's data. */
@Command(
        name = "fork",
        mixinStandardHelpOptions = true,
        description = {
            "Restores a member's data into a new, independent cluster: the way out of a cluster that cannot be repaired "
                    + "in place. The source is only read: it stays in its cluster, as it was; the copy keeps its roles "
                    + "and their passwords.",
            "A local cluster (--source-dir): takes a consistent copy of the member's data (a base backup when its "
                    + "PostgreSQL runs, a copy of its data directory when the member is stopped, as a volume fork does) "
                    + "and brings it up as the single member of a new local cluster of its own (its own directory, "
                    + "platform, store and name), which promotes it onto a new timeline. Grow it with "
                    + "`pgmanager local add --dir DIR`, attach applications with `pgmanager attach --dir DIR`.",
            "A cluster reached through its store (--source-cluster, on the machine that will run the new cluster's first "
                    + "member): checks the member runs and NEW_NAME is free in the store, takes a base backup of the "
                    + "member at the address DNS gives for it now into --data-dir, and prints what to start next: this "
                    + "machine's sidecar with the cluster name NEW_NAME and that data directory takes the lease, promotes "
                    + "the copy onto a new timeline and records the new cluster's identity; members added to NEW_NAME "
                    + "clone it. Secrets come from the environment as the sidecars take them: the source's store secret "
                    + "from PGMANAGER_STORE_AUTH or the superuser password in SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD, "
                    + "the replication role from REPL_PASSWORD or PGMANAGER_REPLICATION_PASSWORD (and "
                    + "PGMANAGER_REPLICATION_USER); each password may name a file with _FILE. A stopped member cannot be "
                    + "copied this way: fork its volume (on Fly.io scripts/fork-and-attach).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:a local fork runs and its member leads; a fork through the store is copied into --data-dir, ready for the "
                    + "new cluster's first sidecar",
            "1:the copy failed, the member's PostgreSQL does not run, or the new local cluster did not come up (the message "
                    + "says why; a local fork's files are kept in DIR for inspection)",
            "2:invalid command line, an unknown member, a name in use, a --dir or --data-dir that is not empty, or a "
                    + "missing password (nothing was changed)",
        })
final class ForkCommand implements Callable<Integer> {
    private static final List<String> LOCAL_OPTIONS = List.of("--dir", "--source-dir", "--timeout");
    private static final List<String> STORE_OPTIONS = List.of("--store", "--dns-server", "--data-dir");

    @Option(names = "--from", required = true, paramLabel = "ID", description = "The machine ID of the member to copy.")
    String machineId;

    @Option(names = "--cluster", required = true, paramLabel = "NEW_NAME",
            description = "The new cluster's name: 1 to 63 lower-case letters, digits or '-', not the source's, not in its store.")
    String name;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Local: the new cluster's directory, missing or empty (default: ./.pgmanager-local-NEW_NAME).")
    Path dir;

    @Option(names = "--source-dir", paramLabel = "DIR", defaultValue = ClusterTarget.DEFAULT_DIR,
            description = "Local: the directory of the local cluster that holds the member (default: ${DEFAULT-VALUE}).")
    Path sourceDir;

    @Option(names = "--timeout", defaultValue = "180s", converter = DurationConverter.class,
            description = "Local: how long to wait for the new cluster to lead (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--source-cluster", paramLabel = "NAME",
            description = "Through the store: the name of the cluster that holds the member (not taken from FLY_APP_NAME, "
                    + "which names the new cluster on its machine).")
    String sourceCluster;

    @Option(names = "--store", paramLabel = "CONNECT",
            description = "Through the store: the source's ZooKeeper connect string host:port[,host:port...] (env PGMANAGER_STORE).")
    String store;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT",
            description = "Through the store: DNS server(s) that resolve the source's members, address:port[,...] "
                    + "(env PGMANAGER_DNS_SERVERS; default: the system resolver).")
    String dnsServers;

    @Option(names = "--data-dir", paramLabel = "PATH",
            description = "Through the store: where the copy goes, missing or empty; the data directory of the new "
                    + "cluster's first sidecar on this machine.")
    Path dataDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (sourceCluster != null) return throughStore();
        List<String> storeOnly = given(STORE_OPTIONS);
        if (!storeOnly.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", storeOnly) + ": only for a fork through the store, which "
                    + "needs --source-cluster NAME; without it, fork copies a member of the local cluster in --source-dir");
        }
        Path target = dir != null ? dir : Path.of(ClusterTarget.DEFAULT_DIR + "-" + name);
        LocalStatus status = new LocalFork(LocalCluster.at(sourceDir), machineId).into(target, name, timeout, System.err);
        var out = spec.commandLine().getOut();
        out.print(LocalStatusText.table(status));
        out.println("forked " + machineId + " into the new cluster " + name + " in " + target
                + "; add members with: pgmanager local add --dir " + target);
        out.flush();
        return 0;
    }

    private int throughStore() throws Exception {
        List<String> localOnly = given(LOCAL_OPTIONS);
        if (!localOnly.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", localOnly) + ": only for a fork of a local cluster, not "
                    + "with --source-cluster (a fork through the store, which copies into --data-dir PATH)");
        }
        if (dataDir == null) {
            throw new IllegalArgumentException("a fork through the store needs --data-dir PATH: where the copy goes on this "
                    + "machine, the new cluster's first sidecar's data directory");
        }
        BaseBackupSettings settings;
        try {
            settings = BaseBackupSettings.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("the copy is taken as the source's replication role: "
                    + String.join("; ", e.problems()), e);
        }
        Path data = dataDir.toAbsolutePath().normalize();
        Member copied = new StoreFork(ClusterTarget.of(store, sourceCluster, dnsServers), settings).copy(machineId, name, data, spec.commandLine().getErr());
        var out = spec.commandLine().getOut();
        out.println("copied " + machineId + " of " + sourceCluster + " (timeline " + copied.timeline() + ") into " + data
                + " for the new cluster " + name + "; the source was only read.");
        out.println("Next, on this machine: start the sidecar (pgmanager run) with the cluster name " + name
                + " (FLY_APP_NAME or PGMANAGER_APP), the data directory " + data + " (PGMANAGER_DATA_DIR), a store, and the "
                + "source's superuser and replication passwords (the copy holds its roles). Finding data but no leader and "
                + "no identity under " + name + " in its store, it takes the lease, promotes the copy onto a new timeline "
                + "and records " + name + "'s identity. Members added to " + name + " then clone it; attach applications "
                + "with pgmanager attach --cluster " + name + ".");
        out.flush();
        return 0;
    }

    /** The options of {@code names} given on the command line (not just defaulted). */
    private List<String> given(List<String> names) {
        return names.stream().filter(option -> spec.commandLine().getParseResult().hasMatchedOption(option)).toList();
    }
}
