package dev.pgmanager.cli;

import dev.pgmanager.config.BaseBackupSettings;
import dev.pgmanager.backup.BackupSet;
import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.config.ConfigException;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.postgres.OsUser;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
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
            "With --from-backup instead of --from, the copy comes from NAME's backups in object storage (the repository "
                    + "read with the members' BUCKET_NAME, AWS_* and backup.* settings from the environment), to the end of "
                    + "the archive or to --target-time, --target-lsn or --target-xid, as pgmanager restore does: the way out "
                    + "when no member's data can be used. It needs no store, no running member and no replication password.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member is copied into --data-dir, ready for the new cluster's first sidecar",
            "1:the copy failed, or the member's PostgreSQL does not run (the message says why)",
            "2:invalid command line, an unknown member, a name in use, a --data-dir that is not empty, or a missing "
                    + "password (nothing was changed)",
        })
final class ForkCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    ForkSource from;

    @Mixin
    RestoreTargetOptions restoreTarget = new RestoreTargetOptions();

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
        from.checkTarget(restoreTarget);
        if (from.member().isEmpty()) return forkFromBackups();
        String machineId = from.member().get();
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

    private int forkFromBackups() {
        ValueParsers.appName(name);
        ValueParsers.appName(sourceCluster);
        if (name.equals(sourceCluster)) {
            throw new IllegalArgumentException("--cluster must name a new cluster, not the source (" + sourceCluster + ")");
        }
        BackupConfig.Repository repository = SidecarConfigLoader.backupRepository(Optional.empty(), System.getenv(), sourceCluster);
        Map<String, String> env = System.getenv();
        Optional<Path> binDir = Optional.ofNullable(env.get("PGMANAGER_PG_BIN_DIR")).filter(dir -> !dir.isBlank()).map(Path::of);
        OsUser owner = OsUser.named(env.getOrDefault("PGMANAGER_PG_OS_USER", "postgres"));
        Path data = dataDir.toAbsolutePath().normalize();
        BackupSet start = RestoreCommand.restore(repository, sourceCluster, owner, binDir, data,
                from.backup(), restoreTarget.recoveryTarget());
        var out = spec.commandLine().getOut();
        out.println("copied the backups of " + sourceCluster + " (from backup " + start.label() + ") into " + data
                + " for the new cluster " + name + "; the source was only read.");
        out.println("Next, on this machine: start the sidecar (pgmanager run) with the cluster name " + name
                + " (FLY_APP_NAME or PGMANAGER_APP), the data directory " + data + " (PGMANAGER_DATA_DIR), a store, and the "
                + "source's superuser and replication passwords (the copy holds its roles). It leads the new cluster, "
                + "archives into a repository path of its own, and members added to " + name + " clone it.");
        out.flush();
        return 0;
    }
}
