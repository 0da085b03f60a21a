package dev.pgmanager.backup;

import dev.pgmanager.config.BackupConfig;
import dev.pgmanager.postgres.OsUser;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one member's backup files live, beside its data directory, and the server settings that archive its WAL:
 * {@code pgbackrest.conf} (with the bucket's keys, readable by the OS user only), pgBackRest's spool, locks and logs in
 * {@code pgbackrest/}, and the {@link ArchiveGate}.
 */
public record BackupSetup(PgBackRestConfig config, Path configFile, ArchiveGate gate, PgBackRest pgBackRest,
                          BackupConfig.Schedule schedule) {

    /**
     * @param stateDirectory the member's state directory (outside PGDATA)
     * @param gateValidity   how long the gate stays open without renewal: less than the lease's session
     */
    public static BackupSetup of(BackupConfig.Repository repository, BackupConfig.Schedule schedule, String stanza,
            Path dataDirectory, int port, Path socketDirectory, OsUser osUser, Path stateDirectory, Duration gateValidity,
            Clock clock) {
        Path configFile = stateDirectory.resolve("pgbackrest.conf");
        PgBackRestConfig config = new PgBackRestConfig(repository, stanza, dataDirectory, port, socketDirectory, osUser.name(),
                stateDirectory.resolve("pgbackrest"));
        return new BackupSetup(config, configFile, new ArchiveGate(stateDirectory, gateValidity, clock),
                new PgBackRest(osUser, configFile, stanza), schedule);
    }

    /** PostgreSQL's archiving settings: through the gate to pgBackRest, a segment at least every archive_timeout. */
    public Map<String, String> serverSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("archive_mode", "on");
        settings.put("archive_command", gate.archiveCommand(pgBackRest));
        settings.put("archive_timeout", schedule.archiveTimeout().toSeconds() + "s");
        return settings;
    }

    /** Writes pgBackRest's configuration and makes its directories, all owned by the OS user. */
    public void writeFiles(OsUser osUser) {
        osUser.createPrivateDirectory(config.workDir());
        for (String dir : new String[] {"spool", "lock", "log"}) {
            osUser.createPrivateDirectory(config.workDir().resolve(dir));
        }
        osUser.writePrivateFile(configFile, config.render());
    }
}
