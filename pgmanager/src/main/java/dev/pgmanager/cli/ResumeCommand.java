package dev.pgmanager.cli;

import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

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
final class ResumeCommand implements Callable<Integer> {
    @Mixin
    ClusterTarget target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (ZooKeeperClusterStore store = target.openStore()) {
            ClusterRequests.report(ClusterRequests.over(store).resume(), spec.commandLine().getOut());
        }
        return 0;
    }
}
