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

/** {@code pgmanager failover}: a forced move of leadership to a chosen member, with or without a healthy leader. */
@Command(
        name = "failover",
        mixinStandardHelpOptions = true,
        description = {
            "Moves leadership to a chosen member without waiting for it to catch up: for when the leader cannot hand "
                    + "over (its machine is gone) and no member takes over on its own.",
            "Every write the target has not received is lost, on every member. So it is refused, saying how far the "
                    + "target is behind, while the leader is healthy (use switchover), while the target is behind the "
                    + "most advanced member, as the members' records last said, or while the synchronous record does not "
                    + "name it (or cannot be read); --force files it anyway and prints the loss. Also refused when the target is not a member or already leads, or when another switchover or "
                    + "failover is pending. Files the request in the store, where every sidecar sees it. Talks to the "
                    + "store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the request was filed (with --wait: and the target holds the lease)",
            "1:refused (the message says why, and how many bytes a forced failover would lose), the store could not "
                    + "be reached, or --wait ran out",
            "2:invalid command line (--to is required), or no cluster named",
        })
final class FailoverCommand extends ClusterCommand {
    @Mixin
    WaitOption waitOption;

    @Option(names = "--to", required = true, paramLabel = "ID", description = "The member that must lead.")
    String to;

    @Option(names = "--force", description = "Fail over even while the leader is healthy or the target is behind, losing "
            + "the writes it has not received.")
    boolean force;

    @Override
    public Integer call() throws InterruptedException {
        String successor = MachineIds.requireValid(to);
        PrintWriter out = out();
        try (ZooKeeperClusterStore store = target.openStore()) {
            ClusterSnapshot before = store.read();
            Optional<String> previous = before.leader().map(Leader::machineId);
            ClusterRequests.report(ClusterRequests.over(store).failover(successor, force), out);
            waitOption.awaitIfAsked(store, previous, Optional.of(successor), before.history(), out);
        }
        return 0;
    }
}
