package dev.pgmanager.backup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;

/**
 * Lets PostgreSQL archive WAL only while this member holds the leader lease, so that a demoted or fenced former
 * primary never pushes WAL into the repository its successor writes. The gate is a file holding a deadline (epoch
 * milliseconds) that PostgreSQL's {@code archive_command} compares with the clock before pushing: the sidecar moves the
 * deadline forward while it holds the lease and removes the file the moment it loses it. If the sidecar dies, the
 * deadline runs out by itself, no later than the lease would expire on the store's side.
 *
 * <p>The file lives in the state directory beside the data directory, never in it: a base backup or a volume copy
 * must not carry one member's permission to another.
 */
public final class ArchiveGate {
    private final Path file;
    private final Duration validity;
    private final Clock clock;

    /** @param validity how long an opening lasts without renewal: within the lease's session, so it never outlives it */
    public ArchiveGate(Path stateDirectory, Duration validity, Clock clock) {
        this.file = stateDirectory.resolve("archive-gate");
        this.validity = validity;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** How long an opening lasts without renewal. */
    public Duration validity() {
        return validity;
    }

    /** Opens the gate, or keeps it open, until {@code validity} from now. */
    public void renew() {
        write(Long.toString(clock.millis() + validity.toMillis()));
    }

    /** Closes the gate at once: PostgreSQL's next archive attempt fails and keeps its WAL. */
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a gate that cannot be removed is disarmed by zeroing its deadline
            write("0");
        }
    }

    private void write(String deadline) {
        try {
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, deadline + "\n");
            // the archive command reads whole files only: a rename never shows it half a number
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the archive gate " + file, e);
        }
    }

    /**
     * PostgreSQL's {@code archive_command}: push {@code %p} with pgBackRest if the gate's deadline has not passed, else
     * fail with a line in the server log saying why (PostgreSQL then keeps the segment and tries again).
     */
    public String archiveCommand(PgBackRest pgBackRest) {
        return "d=$(cat " + quoted(file) + " 2>/dev/null) && [ \"$d\" -gt \"$(date +%s%3N)\" ] && exec " + PgBackRest.PROGRAM
                + " --config=" + quoted(pgBackRest.configFile()) + " --stanza=" + pgBackRest.stanza() + " archive-push \"%p\"; "
                + "echo \"pgmanager: %f not archived: this member does not hold the leader lease\" >&2; exit 1";
    }

    private static String quoted(Path path) {
        String text = path.toString();
        if (text.indexOf('\'') >= 0) {
            throw new IllegalArgumentException("a path with a single quote cannot go into archive_command: " + text);
        }
        return "'" + text + "'";
    }
}
