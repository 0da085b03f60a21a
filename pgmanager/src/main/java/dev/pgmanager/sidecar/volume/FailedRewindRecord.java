package dev.pgmanager.sidecar.volume;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Why an operator's rejoin could not rewind this member's data, kept on its volume until a rewind or a re-clone
 * succeeds. pg_rewind may stop half-way through the data, and the operator was told the server stays stopped until
 * they re-clone it: so neither the control loop nor a sidecar started again (after a crash, a reboot, a migration,
 * which forks the volume) may start that data, and the volume is where all of them look.
 */
public final class FailedRewindRecord {
    static final String FILE_NAME = "rewind-failed";

    private final StateFile file;

    public FailedRewindRecord(Path stateDirectory) {
        this.file = new StateFile(stateDirectory, FILE_NAME);
    }

    /** The reason recorded, or empty when no rejoin failed since the data last was rewound or cloned. */
    public Optional<String> read() {
        // Empty (its text lost in a power cut right after the rename), the file still says that a rewind failed.
        return file.read().map(reason -> reason.isEmpty() ? "pg_rewind failed" : reason);
    }

    public void write(String reason) {
        file.write(reason);
    }

    public void clear() {
        file.delete();
    }
}
