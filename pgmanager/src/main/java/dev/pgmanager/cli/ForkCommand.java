package dev.pgmanager.cli;

import dev.pgmanager.config.BaseBackupSettings;
import dev.pgmanager.config.ConfigException;
import dev.pgmanager.store.Member;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
            "Run it on the machine that will run the new cluster's first member: it checks the member runs and NEW_NAME "
                    + "is free in the store, takes a base backup of the member at the address DNS gives for it now into --data-dir, and prints what to start next: this "
                    + "machine's sidecar with the cluster name NEW_NAME and that data directory takes the lease, promotes "
                    + "the copy onto a new timeline and records the new cluster's identity; members added to NEW_NAME "
                    + "clone it. Secrets come from the environment as the sidecars take them: the source's store secret "
                    + "from PGMANAGER_STORE_AUTH or the superuser password in SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD, "
                    + "the replication role from REPL_PASSWORD or PGMANAGER_REPLICATION_PASSWORD (and "
                    + "PGMANAGER_REPLICATION_USER); each password may name a file with _FILE. A stopped member cannot be "
                    + "copied this way: fork its volume (on Fly.io scripts/fork-and-attach). A member of a local cluster: "
                    + "pgmanager local fork.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member is copied into --data-dir, ready for the new cluster's first sidecar",
            "1:the copy failed, or the member's PostgreSQL does not run (the message says why)",
            "2:invalid command line, an unknown member, a name in use, a --data-dir that is not empty, or a missing "
                    + "password (nothing was changed)",
        })
final class ForkCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "ID", description = "The machine ID of the member to copy.")
    String machineId;

    @Option(names = "--cluster", required = true, paramLabel = "NEW_NAME",
            description = "The new cluster's name: 1 to 63 lower-case letters, digits or '-', not the source's, not in its store.")
    String name;

    @Option(names = "--source-cluster", required = true, paramLabel = "NAME",
            description = "The name of the cluster that holds the member (not taken from FLY_APP_NAME, "
                    + "which names the new cluster on its machine).")
    String sourceCluster;

    @Mixin
    StoreOptions source = new StoreOptions();

    @Option(names = "--data-dir", required = true, paramLabel = "PATH",
            description = "Where the copy goes, missing or empty: the data directory of the new cluster's first sidecar "
                    + "on this machine.")
    Path dataDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BaseBackupSettings settings;
        try {
            settings = BaseBackupSettings.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("the copy is taken as the source's replication role: "
                    + String.join("; ", e.problems()), e);
        }
        Path data = dataDir.toAbsolutePath().normalize();
        Member copied = new StoreFork(ClusterTarget.of(source, sourceCluster), settings).copy(machineId, name, data, spec.commandLine().getErr());
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
}
