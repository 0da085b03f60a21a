package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.cli.CommandRun;
import dev.pgmanager.store.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The recovery window on a real repository: with a window of 15 s, a full backup goes once a newer full backup finished
 * before the window's start (then no point of the window needs it), never sooner, and the one that reaches the window's
 * first moments stays.
 */
class BackupRetentionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WINDOW = Duration.ofSeconds(15);
    private static LocalClusterHarness cluster;

    @BeforeAll
    static void bootstrap() throws Exception {
        cluster = LocalClusterHarness.upWithBackups(1, Map.of("recovery_window", WINDOW.toSeconds() + "s"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void aBackupGoesOnlyWhenNoPointOfTheWindowNeedsIt() throws Exception {
        Await.until(Duration.ofSeconds(90), "the first full backup", () -> labels().size() == 1);
        String first = labels().getFirst();
        String second = create();
        Instant secondFinished = finished(second);
        assertEquals(List.of(first, second), labels(), "while the second backup is inside the window, the window's start "
                + "(before it) can only be reached from the first");

        Await.until(WINDOW.plusSeconds(30), "the first backup is removed", () -> !labels().contains(first));
        Instant removedBy = Instant.now();
        assertTrue(!removedBy.isBefore(secondFinished.plus(WINDOW)), "removed only once the second backup finished before the "
                + "window's start: second finished " + secondFinished + ", first gone by " + removedBy);
        assertEquals(List.of(second), labels(), "the backup that reaches the window's start stays");

        String third = create();
        CommandRun delete = CommandRun.of("backup", "delete", third, "--dir", cluster.cluster.dir().toString());
        assertEquals(0, delete.exit(), delete.err());
        assertEquals(List.of(second), labels(), "an operator's delete removes that backup only");

        CommandRun unknown = CommandRun.of("backup", "delete", "20000101-000000F", "--dir", cluster.cluster.dir().toString());
        assertEquals(1, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("no backup 20000101-000000F"), unknown.err());
        CommandRun invalid = CommandRun.of("backup", "delete", "../../etc", "--dir", cluster.cluster.dir().toString());
        assertEquals(1, invalid.exit(), invalid.err());
        assertTrue(invalid.err().contains("a label as pgmanager backup list shows it"), invalid.err());
        assertEquals(List.of(second), labels(), "nothing else changed");
    }

    private static Instant finished(String label) throws Exception {
        CommandRun list = CommandRun.of("backup", "list", "-o", "json", "--dir", cluster.cluster.dir().toString());
        for (JsonNode backup : JSON.readTree(list.out()).path("backups")) {
            if (backup.path("label").asText().equals(label)) return Instant.parse(backup.path("stopped").asText());
        }
        throw new AssertionError("no backup " + label + " in " + list.out());
    }

    private static String create() throws Exception {
        CommandRun create = CommandRun.of("backup", "create", "--type", "full", "--dir", cluster.cluster.dir().toString());
        assertEquals(0, create.exit(), create.err());
        List<String> labels = labels();
        return labels.getLast();
    }

    private static List<String> labels() {
        CommandRun list = CommandRun.of("backup", "list", "-o", "json", "--dir", cluster.cluster.dir().toString());
        if (list.exit() != 0) return List.of();
        try {
            List<String> labels = new ArrayList<>();
            for (JsonNode backup : JSON.readTree(list.out()).path("backups")) labels.add(backup.path("label").asText());
            return labels;
        } catch (java.io.IOException e) {
            throw new AssertionError(list.out(), e);
        }
    }
}
