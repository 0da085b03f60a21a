package dev.pgmanager.cli;

import picocli.CommandLine.Parameters;

/**
 * A command that has one member's sidecar work on its own server (restart, reinit, rejoin) through its API, and prints
 * the outcome the member answers with once it is done.
 */
abstract class MemberWork extends ClusterCommand {
    @Parameters(paramLabel = "ID", description = "The member's machine ID.")
    String machineId;

    /** The API path to POST to. */
    abstract String path();

    /** The JSON body to send, or "" for none. */
    String body() {
        return "";
    }

    @Override
    public Integer call() throws InterruptedException {
        out().println(MemberApi.post(target, machineId, path(), body(), MemberApi.LOCAL_WORK_TIMEOUT));
        out().flush();
        return 0;
    }
}
