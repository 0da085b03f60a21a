package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.DurationConverter;
import dev.pgmanager.cli.ForkSource;
import dev.pgmanager.cli.RestoreTargetOptions;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.LocalFork;
import dev.pgmanager.platform.LocalRestore;
import dev.pgmanager.platform.LocalStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgmanager local fork --from ID --cluster NEW_NAME}: a new local cluster from one member's data. */
@Command(
        name = "fork",
        mixinStandardHelpOptions = true,
        description = {
            "Restores a member of a local cluster into a new, independent local cluster: the way out of a cluster that "
                    + "cannot be repaired in place. The source is only read: it stays in its cluster, as it was; the "
                    + "copy keeps its roles and their passwords.",
            "Takes a consistent copy of the member's data (a base backup when its PostgreSQL runs, a copy of its data "
                    + "directory when the member is stopped, as a volume fork does) and brings it up as the single member "
                    + "of a new local cluster of its own (its own directory, platform, store and name), which promotes it "
                    + "onto a new timeline. Grow it with `pgmanager local add --dir DIR`, attach applications with "
                    + "`pgmanager attach --dir DIR`. A cluster reached through its store: pgmanager fork.",
            "With --from-backup instead of --from, the copy comes from the source's backups in object storage (to the "
                    + "end of the archive, or to --target-time, --target-lsn or --target-xid), as pgmanager local restore "
                    + "does: the way out when no member's data can be used.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the new cluster runs and its member leads",
            "1:the copy failed, or the new cluster did not come up (the message says why; its files are kept in DIR "
                    + "for inspection)",
            "2:invalid command line, an unknown member, or a --dir that is not empty (nothing was changed)",
        })
final class LocalForkCommand implements Callable<Integer> {
    private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(600);

    @ArgGroup(exclusive = true, multiplicity = "1")
    ForkSource source;

    @Mixin
    RestoreTargetOptions restoreTarget = new RestoreTargetOptions();

    @Option(names = "--cluster", required = true, paramLabel = "NEW_NAME",
            description = "The new cluster's name: 1 to 63 lower-case letters, digits or '-', not the source's.")
    String name;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "The new cluster's directory, missing or empty (default: ./.pgmanager-local-NEW_NAME).")
    Path dir;

    @Option(names = "--source-dir", paramLabel = "DIR", defaultValue = LocalCommand.DEFAULT_DIR,
            description = "The directory of the local cluster that holds the member (default: ${DEFAULT-VALUE}).")
    Path sourceDir;

    @Option(names = "--timeout", defaultValue = "180s", converter = DurationConverter.class,
            description = "How long to wait for the new cluster to lead (default: ${DEFAULT-VALUE}; a copy from backups "
                    + "waits at least 600s, as pgmanager local restore does).")
    Duration timeout;

    @Mixin
    PasswordOption password = new PasswordOption();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path target = dir != null ? dir : Path.of(LocalCommand.DEFAULT_DIR + "-" + name);
        source.checkTarget(restoreTarget);
        LocalStatus status = source.member().isPresent()
                ? new LocalFork(LocalCluster.at(sourceDir), source.member().get()).into(target, name, timeout, System.err)
                : new LocalRestore(LocalCluster.at(sourceDir)).into(target, name, source.backup(),
                        restoreTarget.recoveryTarget(), timeout.compareTo(RESTORE_TIMEOUT) < 0 ? RESTORE_TIMEOUT : timeout, System.err);
        var out = spec.commandLine().getOut();
        out.print(LocalStatusText.table(status, password, target));
        out.println("forked " + source.member().orElse("the backups of " + sourceDir) + " into the new cluster "
                + name + " in " + target + "; add members with: pgmanager local add --dir " + target);
        out.flush();
        return 0;
    }
}
