package dev.pgmanager.cli;

import picocli.CommandLine.Command;

/** {@code pgmanager restart ID}: restarts one member's PostgreSQL. */
@Command(
        name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Restarts one member's PostgreSQL.",
            "Asks the member's sidecar to restart its server at the start of its next pass, and waits until it did. Restarting the leader "
                    + "interrupts writes; a switchover first avoids that. Refused for a member kept stopped after a failed "
                    + "pgmanager rejoin (its data may be half-rewound): re-clone it with pgmanager reinit ID. Talks to the store (for the member's API port), "
                    + "to DNS (for its address now) and to the member's API (POST /restart with the API token).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member restarted its server",
            "1:refused by the member (the message says why), wrong or missing API token, member unknown, unresolvable or unreachable",
            "2:invalid command line, or no cluster named",
        })
final class RestartCommand extends MemberWork {
    @Override
    String path() {
        return "/restart";
    }
}
