package dev.pgmanager.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pgmanager reinit ID}: re-clones one member from the leader. */
@Command(
        name = "reinit",
        mixinStandardHelpOptions = true,
        description = {
            "Re-clones one member from the leader.",
            "Asks the member's sidecar to re-clone its data from the leader at the start of its next pass; its current "
                    + "data directory is moved aside, not deleted. For a replica whose data diverged or failed "
                    + "verification; the leader has no one to clone from, so its sidecar logs and skips it. Talks to the "
                    + "store (for the member's API port), to DNS (for its address now) and to the member's API "
                    + "(POST /reinit with the API token).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member queued the re-clone",
            "1:refused by the member (the message says why), wrong or missing API token, member unknown, unresolvable or unreachable",
            "2:invalid command line, or no cluster named",
        })
final class ReinitCommand implements Callable<Integer> {
    @Mixin
    ClusterTarget target;

    @Parameters(paramLabel = "ID", description = "The member's machine ID.")
    String machineId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        spec.commandLine().getOut().println(MemberApi.post(target, machineId, "/reinit"));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
