package dev.pgmanager.platform.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.cli.CommandRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local platform's commands join the product's command line when the platform is on the class path. */
class PlatformCommandsTest {
    @Test
    void localAndBenchJoinTheProductsCommands() {
        for (String[] command : new String[][] {{"local"}, {"local", "up"}, {"local", "kill"}, {"local", "migrate"},
            {"local", "fork"}, {"bench"}, {"bench", "chaos"}, {"list"}}) {
            String[] help = java.util.Arrays.copyOf(command, command.length + 1);
            help[command.length] = "--help";
            CommandRun run = CommandRun.of(help);
            assertEquals(0, run.exit(), String.join(" ", command) + ": " + run.err());
            assertTrue(run.out().contains("Usage: pgmanager " + String.join(" ", command)), run.out());
        }
    }

    @Test
    void everyCommandsHelpPrintsEachLineOfItsDescriptionWhole() {
        java.util.Deque<picocli.CommandLine> commands = new java.util.ArrayDeque<>(java.util.List.of(dev.pgmanager.cli.Main.commandLine()));
        int checked = 0;
        while (!commands.isEmpty()) {
            picocli.CommandLine command = commands.pop();
            commands.addAll(command.getSubcommands().values());
            String usage = command.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF);
            for (String line : command.getCommandSpec().usageMessage().description()) {
                // a paragraph longer than the width is wrapped on purpose; variables and %n are expanded
                if (line.length() > 120 || line.contains("${") || line.contains("%")) continue;
                assertTrue(usage.contains(line), command.getCommandSpec().qualifiedName() + " --help breaks the line \"" + line
                        + "\":\n" + usage);
                checked++;
            }
        }
        assertTrue(checked > 100, "lines checked: " + checked);
    }

    @Test
    void upRefusesASessionTimeoutTheMembersWouldRefuseBeforeItCreatesAnything(@TempDir Path dir) throws Exception {
        CommandRun run = CommandRun.of("local", "up", "--dir", dir.resolve("cluster").toString(), "--session-timeout", "500ms");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("--session-timeout 500ms is out of range: a member takes 1s to 60s"), run.err());
        assertTrue(java.nio.file.Files.notExists(dir.resolve("cluster")), "nothing was created");
    }

    @Test
    void everyBenchmarkRefusesASessionTimeoutOutOfRangeBeforeItMakesADirectory() throws Exception {
        for (String bench : new String[] {"all", "failover", "migration", "router", "stress"}) {
            java.util.Set<Path> before = benchDirectories();
            CommandRun run = CommandRun.of("bench", bench, "--session-timeout", "500ms");
            assertEquals(2, run.exit(), bench + ": " + run.err());
            assertTrue(run.err().contains("--session-timeout 500ms is out of range: a member takes 1s to 60s"), bench + ": " + run.err());
            assertEquals(before, benchDirectories(), bench + " made no directory");
        }
    }

    private static java.util.Set<Path> benchDirectories() throws java.io.IOException {
        try (var all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return all.filter(p -> p.getFileName().toString().startsWith("pgmanager-bench-")).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void downWithPurgeOnADirectoryThatHoldsNoClusterRemovesNothing(@TempDir Path dir) throws Exception {
        Path precious = Files.writeString(dir.resolve("precious.txt"), "not a cluster's");
        for (String[] command : new String[][] {{"local", "down", "--purge", "--dir", dir.toString()},
            {"local", "down", "--dir", dir.toString()}}) {
            CommandRun run = CommandRun.of(command);
            assertEquals(2, run.exit(), run.err());
            assertTrue(run.err().contains("no local cluster in " + dir + " (no cluster.json): nothing stopped"), run.err());
        }
        assertEquals("not a cluster's", Files.readString(precious), "the directory and its files are left alone");
    }

    @Test
    void aMemberCommandOnADirectoryWithoutAClusterSaysSoAndChangesNothing(@TempDir Path dir) throws Exception {
        for (String action : new String[] {"kill", "stop", "start", "migrate", "destroy", "isolate", "heal"}) {
            CommandRun run = CommandRun.of("local", action, "--dir", dir.toString(), "aaaaaaaaaaaaaa");
            assertEquals(2, run.exit(), action + ": " + run.err());
            assertTrue(run.err().contains("no local cluster in " + dir), run.err());
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "nothing was written");
        }
    }
}
