package dev.pgmanager.cli;

import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import picocli.CommandLine.Command;

/** {@code pgmanager resume}: maintenance mode off: the sidecars act again. */
@Command(
        name = "resume",
        mixinStandardHelpOptions = true,
        description = {
            "Ends maintenance mode.",
            "The sidecars act again on what they observe. Clears paused in the cluster spec in the store. "
                    + "Talks to the store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:resumed (or was not paused)",
            "1:the store could not be reached, or the spec kept changing under the command",
            "2:invalid command line, or no cluster named",
        })
final class ResumeCommand extends MaintenanceCommand {
    @Override
    Result request(OperatorRequests requests) {
        return requests.resume();
    }
}
