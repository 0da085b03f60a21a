package dev.pgmanager.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pgmanager restart ID}: restarts one member's PostgreSQL. */
@Command(
        name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Restarts one member's PostgreSQL.",
            "Asks the member's sidecar to restart its server at the start of its next pass, and waits until it did. Restarting the leader "
                    + "interrupts writes; a switchover first avoids that. Talks to the store (for the member's API port), "
                    + "to DNS (for its address now) and to the member's API (POST /restart with the API token).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member restarted its server",
            "1:refused by the member (the message says why), wrong or missing API token, member unknown, unresolvable or unreachable",
            "2:invalid command line, or no cluster named",
        })
final class RestartCommand implements Callable<Integer> {
    @Mixin
    ClusterTarget target;

    @Parameters(paramLabel = "ID", description = "The member's machine ID.")
    String machineId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        spec.commandLine().getOut().println(MemberApi.post(target, machineId, "/restart", "", MemberApi.LOCAL_WORK_TIMEOUT));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
