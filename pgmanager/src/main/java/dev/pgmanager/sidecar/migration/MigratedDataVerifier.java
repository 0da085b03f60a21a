package dev.pgmanager.sidecar.migration;

import dev.pgmanager.config.MigrationVerification;
import dev.pgmanager.postgres.ControlData;
import dev.pgmanager.postgres.PageChecksums;
import dev.pgmanager.postgres.PostgresController;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges the forked data a migrated member found on its volume, before its server first starts: a fork copies
 * whatever the old host's disk held, and a copy that went wrong must never join the cluster (a replica with bad
 * pages would serve them, and could one day be promoted with them). Reads only; never changes the data.
 */
public final class MigratedDataVerifier {
    private static final Logger log = LoggerFactory.getLogger(MigratedDataVerifier.class);

    private final PostgresController controller;
    private final MigrationVerification level;

    public MigratedDataVerifier(PostgresController controller, MigrationVerification level) {
        this.controller = controller;
        this.level = level;
    }

    /**
     * @param clusterSystemIdentifier the cluster's identity as the store records it (empty: not recorded yet)
     * @return why the data must not be joined, or empty when it may
     */
    Optional<String> problem(Optional<String> clusterSystemIdentifier) {
        if (level == MigrationVerification.OFF) return Optional.empty();
        ControlData control;
        try {
            control = controller.controlFile();
        } catch (RuntimeException e) {
            return Optional.of("its control data is unreadable (" + firstLine(e.getMessage()) + ")");
        }
        if (!control.crcMatches()) return Optional.of("its control file fails its CRC check");
        if (!control.stateIsKnown()) return Optional.of("its control file names no known state ('" + control.clusterState() + "')");
        String local = Long.toUnsignedString(control.systemIdentifier());
        if (clusterSystemIdentifier.isPresent() && !clusterSystemIdentifier.get().equals(local)) {
            return Optional.of("it holds another cluster (system identifier " + local + ", this cluster's is "
                    + clusterSystemIdentifier.get() + ")");
        }
        if (level == MigrationVerification.QUICK) return Optional.empty();
        if (!control.shutDownCleanly()) {
            // pg_checksums refuses crashed data: its torn pages are legitimately wrong until crash recovery rewrites them
            // from full-page images. The server still verifies every page it reads, so damage there cannot pass unseen.
            log.warn("the migrated data was not shut down cleanly ({}): its page checksums cannot be checked before "
                    + "crash recovery; the server verifies each page as it reads it", control.clusterState());
            return Optional.empty();
        }
        PageChecksums checksums;
        try {
            checksums = controller.verifyPageChecksums();
        } catch (RuntimeException e) {
            return Optional.of("its page checksums could not be verified (" + firstLine(e.getMessage()) + ")");
        }
        return switch (checksums.verdict()) {
            case PASSED -> Optional.empty();
            case FAILED -> Optional.of("pg_checksums --check failed: " + checksums.summary().replace('\n', ' '));
            case NOT_ENABLED -> {
                log.warn("the migrated data has no page checksums (the cluster was created without them): only its "
                        + "identity and control data were verified");
                yield Optional.empty();
            }
        };
    }

    private static String firstLine(String message) {
        if (message == null) return "no detail";
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
