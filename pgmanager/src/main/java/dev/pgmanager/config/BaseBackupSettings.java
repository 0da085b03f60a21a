package dev.pgmanager.config;

import static dev.pgmanager.config.ConfigOptions.BIN_DIR;
import static dev.pgmanager.config.ConfigOptions.OS_USER;
import static dev.pgmanager.config.ConfigOptions.REPLICATION_PASSWORD;
import static dev.pgmanager.config.ConfigOptions.REPLICATION_USER;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a base backup of a member needs of the sidecar's settings: the replication role that may stream the member's
 * data, where {@code pg_basebackup} is and the OS user the copy belongs to.
 */
public record BaseBackupSettings(String replicationUser, String replicationPassword, Optional<Path> binDir, String osUser) {
    public BaseBackupSettings {
        Objects.requireNonNull(replicationUser, "replicationUser");
        Objects.requireNonNull(replicationPassword, "replicationPassword");
        Objects.requireNonNull(binDir, "binDir");
        Objects.requireNonNull(osUser, "osUser");
    }

    /** A sidecar's own. */
    public static BaseBackupSettings of(PostgresConfig postgres) {
        return new BaseBackupSettings(postgres.replicationUser(), postgres.replicationPassword(), postgres.binDir(),
                postgres.osUser());
    }

    /**
     * From the environment, by the variables the sidecar reads them from ({@code REPL_PASSWORD} or
     * {@code PGMANAGER_REPLICATION_PASSWORD}, each also as {@code _FILE}; {@code PGMANAGER_REPLICATION_USER},
     * {@code PGMANAGER_PG_BIN_DIR}, {@code PGMANAGER_PG_OS_USER}), with the sidecar's defaults: a tool on the machine
     * of a member to be, or on an operator's, needs no other settings than the sidecar does.
     *
     * @throws ConfigException naming every setting that is missing or invalid
     */
    public static BaseBackupSettings fromEnvironment(Map<String, String> environment) {
        List<String> problems = new ArrayList<>();
        ResolvedSettings settings = ResolvedSettings.resolveFromEnvironment(
                List.of(REPLICATION_USER, REPLICATION_PASSWORD, BIN_DIR, OS_USER), environment, problems);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new BaseBackupSettings(settings.get(REPLICATION_USER), settings.get(REPLICATION_PASSWORD), settings.find(BIN_DIR),
                settings.get(OS_USER));
    }

    @Override
    public String toString() {
        return "BaseBackupSettings[replicationUser=" + replicationUser + ", replicationPassword=" + Secrets.MASK + ", binDir="
                + binDir + ", osUser=" + osUser + "]";
    }
}
