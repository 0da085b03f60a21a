package dev.pgmanager.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README documents every option; it must keep up with the option table, and its example must load. */
class SidecarConfigDocumentationTest {
    private static final Path DOCUMENT = Path.of("../README.md");

    @Test
    void everyOptionIsDocumentedWithItsVariablesAndDefault() throws Exception {
        String document = Files.readString(DOCUMENT);
        for (ConfigOption<?> option : ConfigOptions.ALL) {
            String row = document.lines().filter(line -> line.startsWith("| `" + option.key() + "` |")).findFirst()
                    .orElseThrow(() -> new AssertionError(option.key() + " has no row in " + DOCUMENT));
            String variables = option.environmentVariables().stream()
                    .map(variable -> "`" + variable + "`").collect(Collectors.joining(", "));
            assertTrue(row.contains("| " + variables + " |"), () -> option.key() + ": variables missing or out of order in: " + row);
            option.defaultValue().ifPresent(defaultValue -> assertTrue(row.contains("| `" + defaultValue + "` |"),
                    () -> option.key() + ": default " + defaultValue + " missing in: " + row));
        }
        assertTrue(document.contains("| `" + ConfigOptions.POSTGRES_PARAMETERS + "` |"));
    }

    @Test
    void exampleYamlLoads(@TempDir Path directory) throws Exception {
        String document = Files.readString(DOCUMENT);
        int start = document.indexOf("```yaml\n") + "```yaml\n".length();
        String example = document.substring(start, document.indexOf("```", start));
        Path file = Files.writeString(directory.resolve("example.yml"), example);

        SidecarConfig config = SidecarConfigLoader.load(Optional.of(file), Map.of());

        assertEquals("148e21ea7d5e89", config.machineId());
        assertEquals("all", config.postgres().parameters().get("pg_stat_statements.track"));
        assertEquals(8008, config.api().listen().getPort());
    }
}
