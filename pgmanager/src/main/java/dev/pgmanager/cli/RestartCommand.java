package dev.pgmanager.cli;

import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgmanager restart ID}: restarts one member's PostgreSQL; {@code --pending}: every member that waits for one. */
@Command(
        name = "restart",
        mixinStandardHelpOptions = true,
        description = {
            "Restarts one member's PostgreSQL, or with --pending every member whose server waits for a restart to apply "
                    + "the cluster's parameters (pgmanager config), one at a time: the replicas first (each must stream "
                    + "again before the next), then a switchover, then the old primary, so that writes pause only for the "
                    + "switchover.",
            "Asks the member's sidecar to restart its server at the start of its next pass, and waits until it did. Restarting the leader "
                    + "interrupts writes; a switchover first avoids that. Refused for a member kept stopped after a failed "
                    + "pgmanager rejoin (its data may be half-rewound): re-clone it with pgmanager reinit ID. Talks to the store (for the member's API port), "
                    + "to DNS (for its address now) and to the member's API (POST /restart with the API token).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the member restarted its server (with --pending: every member that waited did, or none waited)",
            "1:refused by the member (the message says why), wrong or missing API token, member unknown, unresolvable or "
                    + "unreachable, a restarted replica not streaming again in time, or the switchover refused",
            "2:invalid command line, or no cluster named",
        })
final class RestartCommand extends ClusterCommand {
    /** How long a restarted replica may take to stream again before the rolling restart stops. */
    private static final Duration STREAMING_AGAIN = Duration.ofMinutes(2);

    @Parameters(arity = "0..1", paramLabel = "ID", description = "The member's machine ID (not with --pending).")
    String machineId;

    @Option(names = "--pending", description = "Restart every member that waits for a restart, replicas first, then switch "
            + "over and restart the old primary.")
    boolean pending;

    @Override
    public Integer call() throws InterruptedException {
        if (pending == (machineId != null)) throw new IllegalArgumentException("give either a member's ID or --pending");
        PrintWriter out = out();
        if (!pending) {
            out.println(MemberApi.post(target, machineId, "/restart", "", MemberApi.LOCAL_WORK_TIMEOUT));
            out.flush();
            return 0;
        }
        try (ZooKeeperClusterStore store = target.openStore()) {
            ClusterSnapshot cluster = store.read();
            Optional<String> leader = cluster.leader().map(Leader::machineId);
            List<Member> waiting = cluster.members().values().stream().filter(m -> !m.pendingRestart().isEmpty())
                    .sorted(java.util.Comparator.comparing(Member::machineId)).toList();
            if (waiting.isEmpty()) {
                out.println("no member waits for a restart");
                out.flush();
                return 0;
            }
            for (Member replica : waiting.stream().filter(m -> leader.map(l -> !l.equals(m.machineId())).orElse(true)).toList()) {
                restart(replica, out);
                awaitStreaming(store, replica.machineId());
            }
            Optional<Member> waitingLeader = waiting.stream().filter(m -> leader.map(l -> l.equals(m.machineId())).orElse(false)).findFirst();
            if (waitingLeader.isPresent()) {
                ClusterSnapshot before = store.read();
                ClusterRequests.report(ClusterRequests.over(store).switchover(Optional.empty()), out);
                Leader next = LeadershipWait.until(store, leader, Optional.empty(), before.history(), Duration.ofMinutes(1));
                out.println(next.machineId() + " leads now");
                // The old primary restarted as a replica to follow the new one; only if that left settings pending
                // does it need another restart.
                String old = waitingLeader.get().machineId();
                Thread.sleep(Duration.ofSeconds(2));
                Optional<Member> now = store.read().member(old);
                if (now.isEmpty() || !now.get().pendingRestart().isEmpty() || now.get().state() != MemberState.STREAMING) {
                    restart(now.orElse(waitingLeader.get()), out);
                }
                awaitStreaming(store, old);
            }
            out.println("done: every member that waited runs with the cluster's parameters");
            out.flush();
        }
        return 0;
    }

    private void restart(Member member, PrintWriter out) throws InterruptedException {
        out.println("restarting " + member.machineId() + " (pending: " + String.join(", ", member.pendingRestart()) + ")");
        out.flush();
        out.println(MemberApi.post(target, member.machineId(), "/restart", "", MemberApi.LOCAL_WORK_TIMEOUT));
        out.flush();
    }

    /** Until the member's record, written after now, shows a streaming replica that waits for nothing. */
    private static void awaitStreaming(ZooKeeperClusterStore store, String machineId) throws InterruptedException {
        Instant since = Instant.now();
        Instant deadline = since.plus(STREAMING_AGAIN);
        while (Instant.now().isBefore(deadline)) {
            Optional<Member> m = store.read().member(machineId);
            if (m.isPresent() && m.get().updatedAt().isAfter(since) && m.get().role() == MemberRole.REPLICA
                    && m.get().state() == MemberState.STREAMING && m.get().pendingRestart().isEmpty()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new CommandFailed(machineId + " does not stream again " + STREAMING_AGAIN.toSeconds() + " s after its restart; "
                + "the rolling restart stops here (pgmanager list shows where it stands)");
    }
}
