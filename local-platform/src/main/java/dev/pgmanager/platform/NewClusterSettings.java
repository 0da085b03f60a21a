package dev.pgmanager.platform;

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
 */
public record NewClusterSettings(StoreMode storeMode, Optional<Duration> sessionTimeout, LocalHaSettings ha) {
    public static final NewClusterSettings DEFAULTS =
            new NewClusterSettings(StoreMode.EXTERNAL, Optional.empty(), LocalHaSettings.DEFAULTS);

    public NewClusterSettings {
        Objects.requireNonNull(storeMode, "storeMode");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(ha, "ha");
    }

    public NewClusterSettings withStoreMode(StoreMode mode) {
        return new NewClusterSettings(mode, sessionTimeout, ha);
    }

    public NewClusterSettings withSessionTimeout(Optional<Duration> timeout) {
        return new NewClusterSettings(storeMode, timeout, ha);
    }

    public NewClusterSettings withHa(LocalHaSettings settings) {
        return new NewClusterSettings(storeMode, sessionTimeout, settings);
    }
}
