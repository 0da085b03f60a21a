package dev.pgmanager.fork;

import dev.pgmanager.config.BaseBackupSettings;
import dev.pgmanager.postgres.BaseBackup;
import dev.pgmanager.postgres.Credentials;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.postgres.PgBinaries;
import dev.pgmanager.postgres.Upstream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A fork's copy of a running member: {@code pg_basebackup} as the replication role, WAL streamed through a temporary
 * slot, so nothing stays on the source; the copy belongs to the OS user PostgreSQL runs as.
 */
public final class ForkBackup {
    /** A base backup copies the whole cluster: give it time on a slow disk. */
    private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);

    private ForkBackup() {}

    /**
     * Copies member {@code machineId}'s data, its server at {@code host}:{@code port}, into {@code data} (missing or
     * empty). The member sees a client named {@code fork-of-<machineId>}.
     *
     * @throws dev.pgmanager.postgres.CommandFailedException when the copy fails (pg_basebackup's message says why)
     */
    public static void copy(BaseBackupSettings settings, String machineId, String host, int port, Path data) {
        Credentials replication = new Credentials(settings.replicationUser(), settings.replicationPassword());
        new BaseBackup(PgBinaries.locate(settings.binDir()), OsUser.named(settings.osUser()))
                .copy(Upstream.of(host, port, replication), data, "fork-of-" + machineId, COPY_TIMEOUT);
    }
}
