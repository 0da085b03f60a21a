package dev.pgmanager.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A command that has one member's sidecar work on its own server (restart, reinit, rejoin) through its API, and prints
 * the outcome the member answers with once it is done.
 */
abstract class MemberWork implements Callable<Integer> {
    @Mixin
    ClusterTarget target;

    @Parameters(paramLabel = "ID", description = "The member's machine ID.")
    String machineId;

    @Spec
    CommandSpec spec;

    /** The API path to POST to. */
    abstract String path();

    /** The JSON body to send, or "" for none. */
    String body() {
        return "";
    }

    @Override
    public Integer call() throws InterruptedException {
        spec.commandLine().getOut().println(MemberApi.post(target, machineId, path(), body(), MemberApi.LOCAL_WORK_TIMEOUT));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
