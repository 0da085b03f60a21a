package dev.pgmanager.cli;

import dev.pgmanager.store.Leader;
import dev.pgmanager.store.MachineIds;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgmanager failover}: a forced move of leadership to a chosen member, with or without a healthy leader. */
@Command(
        name = "failover",
        mixinStandardHelpOptions = true,
        description = {
            "Forces leadership onto a chosen member, whether or not the leader is healthy.",
            "Files the request in the store, where every sidecar sees it. Refused when the target is not a member or "
                    + "already leads, or when another switchover or failover is pending. Prefer switchover while a leader "
                    + "is healthy. Talks to the store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the request was filed (with --wait: and the target holds the lease)",
            "1:refused (the message says why), the store could not be reached, or --wait ran out",
            "2:invalid command line (--to is required), or no cluster named",
        })
final class FailoverCommand extends ClusterCommand {
    @Mixin
    WaitOption waitOption;

    @Option(names = "--to", required = true, paramLabel = "ID", description = "The member that must lead.")
    String to;

    @Override
    public Integer call() throws InterruptedException {
        String successor = MachineIds.requireValid(to);
        PrintWriter out = out();
        try (ZooKeeperClusterStore store = target.openStore()) {
            Optional<String> previous = store.read().leader().map(Leader::machineId);
            ClusterRequests.report(ClusterRequests.over(store).failover(successor), out);
            waitOption.awaitIfAsked(store, previous, Optional.of(successor), out);
        }
        return 0;
    }
}
