package dev.pgmanager.platform;

import dev.pgmanager.config.StoreConfig;
import dev.pgmanager.config.StoreConfig.StoreMode;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a new local cluster is created with; an existing cluster keeps what it was created with.
 *
 * @param storeMode who runs the store: the platform ({@link StoreMode#EXTERNAL}) or the members themselves
 *     ({@link StoreMode#ENSEMBLE}: ZooKeeper peers in the first three members' sidecars; the platform then runs only the
 *     DNS)
 * @param sessionTimeout the members' {@code store.session_timeout} (the lease's length); empty for the default
 * @param ha the members' {@code ha.*} settings (synchronous replication, failsafe mode, nosync tags)
 * @param backups whether the platform serves object storage and the members archive WAL and take backups there
 * @param backupSettings the members' {@code backup.*} settings beyond the bucket (schedule, recovery window), by key
 *     without the {@code backup.} prefix
 * @param migration the members' {@code migration.*} settings (a primary outside the cluster that it starts as a standby
 *     of), by key without the prefix; empty: an ordinary cluster
 */
public record NewClusterSettings(StoreMode storeMode, Optional<Duration> sessionTimeout, LocalHaSettings ha, boolean backups,
                                 java.util.Map<String, String> backupSettings, java.util.Map<String, String> migration) {
    public static final NewClusterSettings DEFAULTS =
            new NewClusterSettings(StoreMode.EXTERNAL, Optional.empty(), LocalHaSettings.DEFAULTS, true, java.util.Map.of(), java.util.Map.of());

    public NewClusterSettings {
        Objects.requireNonNull(storeMode, "storeMode");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        // Checked before anything is created: a member refuses a store.session_timeout outside its range at start
        sessionTimeout.filter(t -> t.compareTo(StoreConfig.MIN_SESSION_TIMEOUT) < 0 || t.compareTo(StoreConfig.MAX_SESSION_TIMEOUT) > 0)
                .ifPresent(t -> {
                    throw new IllegalArgumentException("--session-timeout " + t.toMillis() + "ms is out of range: a member takes "
                            + StoreConfig.MIN_SESSION_TIMEOUT.toSeconds() + "s to " + StoreConfig.MAX_SESSION_TIMEOUT.toSeconds()
                            + "s (store.session_timeout)");
                });
        Objects.requireNonNull(ha, "ha");
        backupSettings = java.util.Map.copyOf(backupSettings);
        migration = java.util.Map.copyOf(migration);
    }

    public NewClusterSettings withStoreMode(StoreMode mode) {
        return new NewClusterSettings(mode, sessionTimeout, ha, backups, backupSettings, migration);
    }

    public NewClusterSettings withSessionTimeout(Optional<Duration> timeout) {
        return new NewClusterSettings(storeMode, timeout, ha, backups, backupSettings, migration);
    }

    public NewClusterSettings withHa(LocalHaSettings settings) {
        return new NewClusterSettings(storeMode, sessionTimeout, settings, backups, backupSettings, migration);
    }

    public NewClusterSettings withoutBackups() {
        return new NewClusterSettings(storeMode, sessionTimeout, ha, false, backupSettings, migration);
    }

    /** A standby of the primary outside that {@code settings} name ({@code source}, {@code source_user}, {@code source_password}). */
    public NewClusterSettings withMigration(java.util.Map<String, String> settings) {
        return new NewClusterSettings(storeMode, sessionTimeout, ha, backups, backupSettings, settings);
    }

    /** Backups on, with these {@code backup.*} settings (keys without the prefix), such as a short recovery window. */
    public NewClusterSettings withBackups(java.util.Map<String, String> settings) {
        return new NewClusterSettings(storeMode, sessionTimeout, ha, true, settings, migration);
    }
}
