package dev.pgmanager.cli;

import dev.pgmanager.backup.RecoveryTarget;
import dev.pgmanager.postgres.Lsn;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How far a restore replays ({@code --target-time|--target-lsn|--target-xid}); where it starts is the command's
 * {@code --from} ({@code restore}) or {@code --from-backup} ({@code fork}), read by {@link #backup(String)}.
 */
public final class RestoreTargetOptions {
    /** The help text of a backup choice: {@code latest} or a label. */
    public static final String BACKUP_CHOICE = "latest (the newest backup that reaches the target) or a backup's label from "
            + "pgmanager backup list";

    @ArgGroup(exclusive = true)
    Target target;

    static final class Target {
        @Option(names = "--target-time", paramLabel = "TIME",
                description = "Recover to this moment, ISO-8601 with an offset (2026-12-03T10:15:00Z): transactions "
                        + "committed by then are in. Without a target: everything archived.")
        String time;

        @Option(names = "--target-lsn", paramLabel = "LSN", description = "Recover to this WAL position (0/3000060).")
        String lsn;

        @Option(names = "--target-xid", paramLabel = "XID", description = "Recover to just after this transaction committed.")
        Long xid;
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** The backup asked for; empty for {@code latest}. */
    public static Optional<String> backup(String choice) {
        return choice.equals("latest") ? Optional.empty() : Optional.of(choice);
    }

    /** Whether a target was given: a fork from a volume or a member takes none. */
    public boolean given() {
        return target != null;
    }

    public RecoveryTarget recoveryTarget() {
        if (target == null) return new RecoveryTarget.Latest();
        if (target.lsn != null) {
            try {
                return new RecoveryTarget.Position(Lsn.parse(target.lsn));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--target-lsn " + target.lsn + " is not a WAL position (like 0/3000060)");
            }
        }
        if (target.xid != null) return new RecoveryTarget.Transaction(target.xid);
        try {
            return new RecoveryTarget.Time(OffsetDateTime.parse(target.time).toInstant());
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "--target-time " + target.time + " is not a time with an offset "
                    + "(like 2026-12-03T10:15:00Z or 2026-12-03T11:15:00+01:00)");
        }
    }
}
