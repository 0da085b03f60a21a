package dev.pgmanager.cli;

import java.util.List;

/**
 * Commands another module adds to the {@code pgmanager} command line, found with {@link java.util.ServiceLoader}: the
 * local platform adds {@code local} and {@code bench}. The product's own jar (the image's) has none, so what runs on a
 * Fly machine never carries the platform, while a developer's jar gets both from one entry point.
 */
public interface CommandExtension {
    /** Picocli command objects, each added under its own name. */
    List<Object> commands();
}
