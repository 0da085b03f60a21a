package dev.pgmanager.sidecar.migration;

import dev.pgmanager.sidecar.volume.LastAddressOnVolume;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HistoryEntry;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On start, tells whether this machine was migrated: same machine ID, same (forked) volume, new address. A migration
 * needs no special handling to rejoin (members are known by ID, peers' addresses are looked up), but it is reported:
 * in the log, in the cluster's history, and in the machine's address history.
 */
public final class MigrationCheck {
    private static final Logger log = LoggerFactory.getLogger(MigrationCheck.class);

    private final String machineId;
    private final LastAddressOnVolume volume;
    private final ClusterStore store;
    private final Clock clock;

    public MigrationCheck(String machineId, LastAddressOnVolume volume, ClusterStore store, Clock clock) {
        this.machineId = machineId;
        this.volume = volume;
        this.store = store;
        this.clock = clock;
    }

    /** @return true when the volume last ran at another address */
    public boolean onStart(String currentAddress) {
        Optional<String> previous = volume.read();
        boolean moved = previous.isPresent() && !previous.get().equals(currentAddress);
        Instant now = clock.instant();
        if (moved) {
            log.warn("member {} was migrated: its volume last ran at {} and it runs at {} now; rejoining the cluster",
                    machineId, previous.get(), currentAddress);
            // The history entry names no address: outside the address history, the store holds none.
            store.appendHistory(new HistoryEntry(now, "migration", machineId, 0, 0,
                    "started with a new address on a forked volume (a migration); its address history has both"));
        }
        store.recordAddress(machineId, currentAddress, now);
        // Written last: if recording failed, the next start reports the migration again rather than never.
        volume.write(currentAddress);
        return moved;
    }
}
