package dev.pgmanager.sidecar.migration;

import dev.pgmanager.postgres.DataDirectoryState;
import dev.pgmanager.postgres.PostgresController;
import dev.pgmanager.store.ClusterIdentity;
import dev.pgmanager.store.ClusterStore;
import dev.pgmanager.store.HistoryEntry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once on the start of a migrated member, before its control loop: data that fails verification is moved aside
 * (kept, never deleted) and reported, which leaves the member with an empty data directory, from which the control
 * loop clones the leader as it does for any new member.
 */
public final class MigratedDataQuarantine {
    private static final Logger log = LoggerFactory.getLogger(MigratedDataQuarantine.class);

    private final String machineId;
    private final PostgresController controller;
    private final MigratedDataVerifier verifier;
    private final ClusterStore store;
    private final Clock clock;

    public MigratedDataQuarantine(String machineId, PostgresController controller, MigratedDataVerifier verifier, ClusterStore store,
            Clock clock) {
        this.machineId = machineId;
        this.controller = controller;
        this.verifier = verifier;
        this.store = store;
        this.clock = clock;
    }

    /** @return where the rejected data was moved, or empty when there was none or it passed */
    public Optional<Path> beforeRejoining() {
        if (controller.dataDirectoryState() != DataDirectoryState.CLUSTER) return Optional.empty();
        Optional<String> identity = store.read().identity().map(ClusterIdentity::systemIdentifier);
        Optional<String> problem = verifier.problem(identity);
        if (problem.isEmpty()) {
            log.info("the migrated data passed verification: rejoining with it");
            return Optional.empty();
        }
        Path aside = controller.moveDataDirectoryAside();
        log.warn("the migrated data failed verification and is not joined: {}; it is kept at {}, and this member clones "
                + "the leader afresh", problem.get(), aside);
        store.appendHistory(new HistoryEntry(clock.instant(), "verification-failed", machineId, 0, 0,
                problem.get() + "; the data was moved aside to " + aside + " and the member re-clones"));
        return Optional.of(aside);
    }
}
