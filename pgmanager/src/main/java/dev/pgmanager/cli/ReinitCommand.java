package dev.pgmanager.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgmanager reinit ID}: re-clones one member from the leader. */
@Command(
        name = "reinit",
        mixinStandardHelpOptions = true,
        description = {
            "Re-clones one member from the leader.",
            "Asks the member's sidecar to stop its server, move its data directory aside (renamed to "
                    + "<data_dir>.aside-<UTC time>, kept, never deleted) and clone the leader afresh with pg_basebackup, "
                    + "and waits until it follows the leader; prints where the old data is kept. With --discard-old the "
                    + "moved-aside copy is deleted once the clone succeeded. For a member whose data diverged, failed "
                    + "verification, or that pgmanager rejoin could not rewind; the leader has no one to clone from and "
                    + "refuses. Talks to the store (for the member's API port), to DNS (for its address now) and to the "
                    + "member's API (POST /reinit with the API token).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member re-cloned from the leader (or still runs the clone after 10 min: the message says so)",
            "1:refused or failed on the member (the message says why), wrong or missing API token, member unknown, unresolvable or unreachable",
            "2:invalid command line, or no cluster named",
        })
final class ReinitCommand extends MemberWork {
    @Option(names = "--discard-old",
            description = "Delete the old data directory once the clone succeeded, instead of keeping it aside.")
    boolean discardOld;

    @Override
    String body() {
        return discardOld ? "{\"discard_old\": true}" : "";
    }

    @Override
    String path() {
        return "/reinit";
    }
}
