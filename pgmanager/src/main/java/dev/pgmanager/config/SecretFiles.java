package dev.pgmanager.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Secrets may be given in a file instead of the environment (Docker and Kubernetes secrets are files): for every
 * variable that carries a secret, {@code NAME_FILE} names a file whose content is the value. The file is read at
 * start; one trailing line break is dropped, as editors and {@code echo} add one.
 */
public final class SecretFiles {
    public static final String SUFFIX = "_FILE";

    private SecretFiles() {}

    /**
     * The secret in {@code variable}, else in the file {@code variable_FILE} names; blank values count as unset.
     *
     * @throws IllegalArgumentException when the file cannot be read (the message names the file, never its content)
     */
    public static Optional<String> read(Map<String, String> environment, String variable) {
        String value = environment.get(variable);
        if (value != null && !value.isBlank()) return Optional.of(value);
        String file = environment.get(variable + SUFFIX);
        if (file == null || file.isBlank()) return Optional.empty();
        try {
            String content = Files.readString(Path.of(file.strip()), StandardCharsets.UTF_8);
            if (content.endsWith("\r\n")) content = content.substring(0, content.length() - 2);
            else if (content.endsWith("\n")) content = content.substring(0, content.length() - 1);
            return content.isBlank() ? Optional.empty() : Optional.of(content);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the file " + file.strip() + " named by " + variable + SUFFIX
                    + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
