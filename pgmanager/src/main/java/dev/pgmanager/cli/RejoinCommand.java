package dev.pgmanager.cli;

import picocli.CommandLine.Command;

/** {@code pgmanager rejoin ID}: rewinds a member onto the leader's history and makes it follow the leader. */
@Command(
        name = "rejoin",
        mixinStandardHelpOptions = true,
        description = {
            "Rewinds a member onto the leader's history and makes it follow the leader.",
            "For a former primary, a replica on a diverged timeline, or a replica pinned to another upstream: the "
                    + "member's sidecar resets a primary_conninfo or primary_slot_name pinned with ALTER SYSTEM, stops its "
                    + "server, runs pg_rewind against the leader (nothing to copy when the histories never diverged), and "
                    + "starts it as a replica of the leader at the address DNS gives now. Waits for the outcome. When "
                    + "pg_rewind fails it says so, leaves the server stopped and changes nothing else: re-clone the member "
                    + "with pgmanager reinit ID. The member keeps its server stopped (pgmanager restart is refused, also "
                    + "after its sidecar restarts) until a reinit, or a rejoin once the cause is fixed, succeeds. Talks to the store (for the member's API port), to DNS (for its address "
                    + "now) and to the member's API (POST /rejoin with the API token).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member follows the leader",
            "1:pg_rewind failed (run pgmanager reinit ID), the member refused (it leads, or no one does), wrong or missing API token, member unknown, unresolvable or unreachable",
            "2:invalid command line, or no cluster named",
        })
final class RejoinCommand extends MemberWork {
    @Override
    String path() {
        return "/rejoin";
    }
}
