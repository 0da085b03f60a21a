package dev.pgmanager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code pgmanager run} goes through a command line of its own command alone: it must read the same as in the whole one. */
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
}
