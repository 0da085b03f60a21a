package dev.pgmanager.logging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Log files a process's output is appended to: readable by their owner only, since logs carry connection details,
 * client addresses and the text of failed statements.
 */
public final class LogFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private LogFiles() {}

    /** Creates {@code log} for appending, owner-only, or makes an existing one owner-only; returns it. */
    public static Path privateLog(Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            try {
                Files.createFile(log, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException exists) {
                Files.setPosixFilePermissions(log, OWNER_ONLY);
            }
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the log file " + log + ": " + e.getMessage(), e);
        }
    }
}
