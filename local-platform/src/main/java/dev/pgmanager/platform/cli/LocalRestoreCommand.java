package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.DurationConverter;
import dev.pgmanager.cli.RestoreTargetOptions;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.LocalRestore;
import dev.pgmanager.platform.LocalStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgmanager local restore --cluster NEW [--target-time ...]}: a new local cluster from a local cluster's backups. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Restores a local cluster's backups into a new, independent local cluster: to the end of the archive, or to a "
                    + "point in time, a WAL position or a transaction (undoing a bad DROP TABLE, say). The source is only "
                    + "read; it need not run, nor have members left: its backups are enough.",
            "Checks that the backups reach the target before anything is written, restores the base backup it starts from "
                    + "with pgBackRest, replays the archived WAL to the target, and brings the result up as the single member "
                    + "of a new cluster of its own (directory, platform, store, name, and backup path), on a new timeline. Grow "
                    + "it with `pgmanager local add --dir DIR`. A cluster on Fly: pgmanager restore.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the new cluster runs and its member leads",
            "1:the target is out of the backups' reach (nothing was written), or the restore or the new cluster failed (the "
                    + "message says why; its files are kept in DIR for inspection)",
            "2:invalid command line, a source without backups, or a --dir that is not empty (nothing was changed)",
        })
final class LocalRestoreCommand implements Callable<Integer> {
    @Option(names = "--cluster", required = true, paramLabel = "NEW_NAME",
            description = "The new cluster's name: 1 to 63 lower-case letters, digits or '-', not the source's.")
    String name;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "The new cluster's directory, missing or empty (default: ./.pgmanager-local-NEW_NAME).")
    Path dir;

    @Option(names = "--source-dir", paramLabel = "DIR", defaultValue = LocalCommand.DEFAULT_DIR,
            description = "The directory of the local cluster whose backups to restore (default: ${DEFAULT-VALUE}).")
    Path sourceDir;

    @Option(names = "--from", defaultValue = "latest", paramLabel = "BACKUP",
            description = RestoreTargetOptions.BACKUP_CHOICE + " (default: ${DEFAULT-VALUE}).")
    String from;

    @Mixin
    RestoreTargetOptions restoreTarget = new RestoreTargetOptions();

    @Option(names = "--timeout", defaultValue = "600s", converter = DurationConverter.class,
            description = "How long to wait for the new cluster to lead (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    PasswordOption password = new PasswordOption();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path target = dir != null ? dir : Path.of(LocalCommand.DEFAULT_DIR + "-" + name);
        LocalStatus status = new LocalRestore(LocalCluster.at(sourceDir)).into(target, name, RestoreTargetOptions.backup(from),
                restoreTarget.recoveryTarget(), timeout, System.err);
        var out = spec.commandLine().getOut();
        out.print(LocalStatusText.table(status, password, target));
        out.println("restored the backups of " + sourceDir + " into the new cluster " + name + " in " + target
                + "; add members with: pgmanager local add --dir " + target);
        out.flush();
        return 0;
    }
}
