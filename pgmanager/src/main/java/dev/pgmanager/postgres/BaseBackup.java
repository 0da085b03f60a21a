package dev.pgmanager.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A consistent copy of a running server's data, taken with {@code pg_basebackup}, that leaves no trace on the
 * source: no permanent replication slot (the WAL needed during the copy is streamed through a temporary one, which
 * vanishes with the connection) and no setting written there. What a fork of a running member is made of.
 */
public final class BaseBackup {
    private final PgBinaries binaries;
    private final OsUser osUser;

    public BaseBackup(PgBinaries binaries, OsUser osUser) {
        this.binaries = binaries;
        this.osUser = osUser;
    }

    /**
     * Copies {@code source}'s data into {@code target}, which must be empty or missing; the copy belongs to the OS
     * user PostgreSQL runs as.
     *
     * @throws CommandFailedException when the backup fails (the message quotes pg_basebackup's output)
     */
    public void copy(Upstream source, Path target, String applicationName, Duration timeout) {
        DataDirectory directory = new DataDirectory(target);
        directory.requireEmptyOrMissing();
        osUser.createPrivateDirectory(target);
        String conninfo = source.connInfo(source.replication().user())
                .with("application_name", applicationName)
                .with("connect_timeout", "10")
                .toString();
        List<String> command = List.of(binaries.tool("pg_basebackup"), "--pgdata=" + target, "--dbname=" + conninfo,
                "--wal-method=stream", "--checkpoint=fast", "--no-password");
        new PgCommandRunner(osUser).runChecked(command, Map.of("PGPASSWORD", source.replication().password()), timeout);
    }
}
