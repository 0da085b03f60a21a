package dev.pgmanager.cli;

import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import picocli.CommandLine.Command;

/** {@code pgmanager pause}: maintenance mode on, for work the sidecars must not undo. */
@Command(
        name = "pause",
        mixinStandardHelpOptions = true,
        description = {
            "Puts the cluster in maintenance mode.",
            "The sidecars keep observing and reporting but take no action of their own (no failover, no promotion, "
                    + "no start of a stopped server) until pgmanager resume; a restart or reinit an operator asks for "
                    + "still runs. Fencing stays on: a primary whose lease is in doubt still stops, and its leader starts "
                    + "it again while it holds that lease, or takes it back when nobody has led since (the one start a "
                    + "paused sidecar makes: that stop was not yours). "
                    + "Sets paused in the cluster spec in the store. Talks to the store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:paused (or already paused)",
            "1:the store could not be reached, or the spec kept changing under the command",
            "2:invalid command line, or no cluster named",
        })
final class PauseCommand extends MaintenanceCommand {
    @Override
    Result request(OperatorRequests requests) {
        return requests.pause();
    }
}
