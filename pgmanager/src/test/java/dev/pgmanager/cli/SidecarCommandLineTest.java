package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code pgmanager run} goes through a command line of its own command alone, and as a platform starts it, without
 * picocli: it must read the same as in the whole command line.
 */
class SidecarCommandLineTest {
    @Test
    void theSidecarsCommandHasTheSameHelpAndErrorsAsInTheWholeCommandLine() {
        CommandRun alone = CommandRun.of("run", "--help");
        CommandRun inTheWhole = CommandRun.of("help", "run");
        assertEquals(0, alone.exit());
        assertEquals(inTheWhole.out(), alone.out());

        CommandRun extra = CommandRun.of("run", "extra");
        assertEquals(2, extra.exit());
        assertTrue(extra.err().contains("Unmatched argument at index 1: 'extra'"), extra.err());
    }

    @Test
    void aPlainSidecarCommandLineReadsAsPicocliReadsIt() {
        for (List<String> args : List.of(List.of("run"), List.of("run", "--config", "/etc/pgmanager.yml"),
                List.of("run", "-c", "a.yml"), List.of("run", "--config=/x/y z.yml"), List.of("run", "--log-format", "json"),
                List.of("run", "--log-format=text", "-c", "b.properties"), List.of("run", "--config="))) {
            String[] argv = args.toArray(String[]::new);
            // picocli reads the environment (PGMANAGER_CONFIG): so does this, for the same values
            RunCommand plain = RunCommand.plainInvocation(argv, System.getenv()).orElseThrow(() -> new AssertionError("not read: " + args));
            RunCommand picocli = new RunCommand();
            new CommandLine(picocli).parseArgs(Arrays.copyOfRange(argv, 1, argv.length));
            assertEquals(picocli.configFile, plain.configFile, args.toString());
            assertEquals(picocli.logFormat, plain.logFormat, args.toString());
        }
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("list"), List.of("run", "--help"), List.of("run", "-h"),
                List.of("run", "--version"), List.of("run", "extra"), List.of("run", "--config"), List.of("run", "-c", "a", "-c", "b"),
                List.of("run", "--log-format", "json", "--log-format", "text"), List.of("run", "-ca.yml"), List.of("run", "-c=a.yml"),
                List.of("run", "--config", "--log-format"), List.of("run", "--", "a"), List.of("run", "--conf", "a"),
                List.of("run", "-c", "@args"), List.of("run", "--config=@args"))) {
            assertEquals(Optional.empty(), RunCommand.plainInvocation(args.toArray(String[]::new), Map.of()).map(c -> "read"),
                    args.toString());
        }
    }

    @Test
    void theConfigurationFileDefaultsToTheEnvironmentsAsWithPicocli() {
        Map<String, String> environment = Map.of("PGMANAGER_CONFIG", "/from/env.yml");
        assertEquals(Path.of("/from/env.yml"), RunCommand.plainInvocation(new String[] {"run"}, environment).orElseThrow().configFile);
        assertEquals(Path.of("given.yml"), RunCommand.plainInvocation(new String[] {"run", "-c", "given.yml"}, environment)
                .orElseThrow().configFile);
        assertTrue(RunCommand.plainInvocation(new String[] {"run"}, Map.of("PGMANAGER_CONFIG", "/a/$${b}.yml")).isEmpty(),
                "picocli substitutes in it");
    }

    @Test
    void anInvalidConfigurationFailsWithOneLineAndTheExitCodeOfInvalidInput(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("pgmanager.yml"), "store:\n  session_timeout: soon\n");
        StringWriter err = new StringWriter();
        int exit = RunCommand.plainInvocation(new String[] {"run", "--config", config.toString()}, Map.of()).orElseThrow()
                .callReporting(new PrintWriter(err, true));
        assertEquals(ErrorReporter.INVALID_INPUT, exit);
        assertTrue(err.toString().startsWith("pgmanager: "), err.toString());
        assertTrue(err.toString().contains("session_timeout"), err.toString());
    }
}
