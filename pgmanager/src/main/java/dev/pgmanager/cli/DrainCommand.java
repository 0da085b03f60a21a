package dev.pgmanager.cli;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.MachineIds;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgmanager drain [ID]}: the hand-over a stopping leader does, without the stop. */
@Command(
        name = "drain",
        mixinStandardHelpOptions = true,
        description = {
            "Moves leadership away from a member without stopping it, before maintenance or a migration.",
            "If ID (default: the current leader) leads, files a switchover to the best replica and waits until another "
                    + "member leads; the member keeps running, as a replica. A member that does not lead holds nothing "
                    + "to drain: says so and succeeds. Talks to the store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:another member leads now, or ID did not lead (nothing to drain)",
            "1:refused (the message says why, e.g. no healthy replica), the store could not be reached, or --timeout ran out",
            "2:invalid command line, or no cluster named",
        })
final class DrainCommand extends ClusterCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "The member to drain (default: the current leader).")
    String machineId;

    @Option(names = "--timeout", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long to wait for another member to lead (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
        Optional<String> named = Optional.ofNullable(machineId).map(MachineIds::requireValid);
        PrintWriter out = out();
        try (ZooKeeperClusterStore store = target.openStore()) {
            ClusterSnapshot cluster = store.read();
            Optional<String> leader = cluster.leader().map(Leader::machineId);
            if (named.isPresent() && cluster.member(named.get()).isEmpty() && !leader.equals(named)) {
                throw new CommandFailed(named.get() + " is not a member of the cluster");
            }
            String member = named.or(() -> leader).orElse(null);
            if (member == null || !leader.equals(Optional.of(member))) {
                out.println((member == null ? "no member leads" : member + " does not lead")
                        + ": it holds nothing to drain" + leader.map(l -> " (" + l + " leads)").orElse(""));
                out.flush();
                return 0;
            }
            ClusterRequests.report(ClusterRequests.over(store).switchover(Optional.empty()), out);
            Leader next = LeadershipWait.until(store, Optional.of(member), Optional.empty(), cluster.history(), timeout);
            out.println(member + " is drained: " + next.machineId() + " leads now, epoch " + next.epoch());
            out.flush();
        }
        return 0;
    }
}
