package dev.pgmanager.sidecar.migration;

import dev.pgmanager.store.ClusterStore;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this machine's entry in the store's address history current: a new address is recorded at once, an unchanged
 * one has its {@code last_seen} refreshed at most once per {@link #REFRESH}, so the history costs the store one small
 * write a minute per member. Failures are retried on a later pass and never disturb the control loop.
 */
public final class AddressHistoryKeeper {
    static final Duration REFRESH = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(AddressHistoryKeeper.class);

    private final String machineId;
    private final String address;
    private final ClusterStore store;
    private Instant recordedAt;
    private boolean failing;

    /** {@code recordedAt}: when the address was last recorded (null: not yet). */
    public AddressHistoryKeeper(String machineId, String address, ClusterStore store, Instant recordedAt) {
        this.machineId = machineId;
        this.address = address;
        this.store = store;
        this.recordedAt = recordedAt;
    }

    public void refresh(Instant now) {
        if (recordedAt != null && Duration.between(recordedAt, now).compareTo(REFRESH) < 0) return;
        try {
            store.recordAddress(machineId, address, now);
            recordedAt = now;
            if (failing) log.info("recording this machine's address in the address history works again");
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) log.warn("could not record this machine's address in the address history: {}", e.getMessage());
            failing = true;
        }
    }
}
