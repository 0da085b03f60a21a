package dev.pgmanager.cli;

import java.util.Optional;
import picocli.CommandLine.Option;

/** What a fork copies: a member's data ({@code --from ID}) or the cluster's backups ({@code --from-backup BACKUP}). */
public final class ForkSource {
    @Option(names = "--from", required = true, paramLabel = "ID", description = "The machine ID of the member to copy.")
    String machineId;

    @Option(names = "--from-backup", required = true, paramLabel = "BACKUP",
            description = "Copy from the source's backups instead: " + RestoreTargetOptions.BACKUP_CHOICE + ".")
    String backup;

    /** The member to copy; empty when the copy comes from backups. */
    public Optional<String> member() {
        return Optional.ofNullable(machineId);
    }

    /** The backup asked for ({@code latest}: empty); call only when {@link #member()} is empty. */
    public Optional<String> backup() {
        return RestoreTargetOptions.backup(backup);
    }

    /** Refuses a recovery target for a member's copy, which is taken as the data is now. */
    public void checkTarget(RestoreTargetOptions target) {
        if (machineId != null && target.given()) {
            throw new IllegalArgumentException("--target-time, --target-lsn and --target-xid go with --from-backup: a member's "
                    + "data is copied as it is now");
        }
    }
}
