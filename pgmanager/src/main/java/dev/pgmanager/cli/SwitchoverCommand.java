package dev.pgmanager.cli;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.MachineIds;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pgmanager switchover}: a planned handover by the healthy leader. */
@Command(
        name = "switchover",
        mixinStandardHelpOptions = true,
        description = {
            "Moves leadership from the healthy leader to another member, in a planned handover.",
            "Files the request in the store, where every sidecar sees it: the leader hands the lease to the member "
                    + "given with --to, or to the best replica. Refused when no member leads (use failover), when the target "
                    + "is not a member or already leads, or when another switchover or failover is pending. "
                    + "Talks to the store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the request was filed (with --wait: and the new leader holds the lease)",
            "1:refused (the message says why), the store could not be reached, or --wait ran out",
            "2:invalid command line, or no cluster named",
        })
final class SwitchoverCommand extends ClusterCommand {
    @Mixin
    WaitOption waitOption;

    @Option(names = "--to", paramLabel = "ID", description = "The member that should lead (default: the best replica).")
    String to;

    @Override
    public Integer call() throws InterruptedException {
        Optional<String> successor = Optional.ofNullable(to).map(MachineIds::requireValid);
        PrintWriter out = out();
        try (ZooKeeperClusterStore store = target.openStore()) {
            ClusterSnapshot before = store.read();
            Optional<String> previous = before.leader().map(Leader::machineId);
            ClusterRequests.report(ClusterRequests.over(store).switchover(successor), out);
            waitOption.awaitIfAsked(store, previous, successor, before.history(), out);
        }
        return 0;
    }
}
