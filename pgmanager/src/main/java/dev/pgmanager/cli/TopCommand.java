package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.api.ClusterJson;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "top",
        mixinStandardHelpOptions = true,
        description = {
            "A live view of the cluster for an operator at work: every member's role, state (the leader's with how the "
                    + "cluster's backups stand, as in pgmanager list), replay lag behind the leader, transactions per second and "
                    + "open client sessions, refreshed every --interval until Ctrl-C.",
            "Roles, states and lag come from the store; transactions and sessions from each member's PostgreSQL, asked as the "
                    + "superuser over one connection per member (password in " + PrimaryDatabase.PASSWORD_SETTINGS
                    + ", or a local cluster's file). Without a password those two columns show -; a member that cannot be "
                    + "asked shows - until it can. The first refresh has no rate yet.",
            "On a terminal the screen is redrawn in place; otherwise each refresh is printed after the last (for logs).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped after --count refreshes (or by Ctrl-C)",
            "1:the store could not be reached or read",
            "2:invalid command line, or no cluster named",
        })
final class TopCommand extends ClusterCommand {
    private static final String CLEAR_SCREEN = "\033[H\033[2J";

    @Option(names = "--interval", defaultValue = "1s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Time between refreshes (default: ${DEFAULT-VALUE}; at least 100ms).")
    Duration interval;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N refreshes (default: until interrupted).")
    Optional<Integer> count;

    @Override
    public Integer call() throws InterruptedException {
        if (interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("--interval must be at least 100ms, got " + interval.toMillis() + "ms");
        }
        if (count.isPresent() && count.get() < 1) throw new IllegalArgumentException("--count must be at least 1");
        Optional<String> password = target.superuserPassword();
        boolean terminal = System.console() != null && System.console().isTerminal();
        Map<String, MemberActivity> activity = new HashMap<>();
        Map<String, MemberActivity.Sample> previous = new HashMap<>();
        PrintWriter out = out();
        try (ZooKeeperClusterStore store = target.openStore()) {
            int refreshes = count.orElse(Integer.MAX_VALUE);
            for (int refresh = 1; refresh <= refreshes; refresh++) {
                ClusterSnapshot cluster = store.read();
                Map<String, Optional<InetAddress>> addresses = new TreeMap<>();
                cluster.members().keySet().forEach(id -> addresses.put(id, target.addresses().resolve(MachineId.of(id))));
                Map<String, MemberActivity.Sample> now = new HashMap<>();
                if (password.isPresent()) {
                    for (Member member : cluster.members().values()) {
                        addresses.get(member.machineId()).flatMap(address -> activity
                                .computeIfAbsent(member.machineId(), id -> new MemberActivity(target.superuser(), password.get()))
                                .sample(address, member.databasePort()))
                                .ifPresent(sample -> now.put(member.machineId(), sample));
                    }
                }
                if (terminal) out.print(CLEAR_SCREEN);
                print(ClusterJson.of(cluster, addresses::get), now, previous, password.isPresent(), out);
                out.flush();
                previous = now;
                if (refresh < refreshes) Thread.sleep(interval);
            }
        } finally {
            activity.values().forEach(MemberActivity::close);
        }
        return 0;
    }

    private void print(ObjectNode view, Map<String, MemberActivity.Sample> now, Map<String, MemberActivity.Sample> previous,
            boolean asked, PrintWriter out) {
        String leader = ListCommand.text(view, "leader");
        Instant at = Instant.now();
        out.println("cluster " + view.path("cluster").asText() + ": "
                + (leader == null ? "no leader" : "leader " + leader + ", epoch " + ListCommand.text(view, "epoch"))
                + (view.path("paused").asBoolean() ? ", paused" : "") + "  " + at.truncatedTo(ChronoUnit.SECONDS)
                + "  (every " + interval.toMillis() + " ms" + (asked ? "" : "; no superuser password: no TPS or sessions") + ")");
        TextTable table = new TextTable("LEADER", "MEMBER", "ROLE", "STATE", "LAG_BYTES", "TPS", "SESSIONS", "ADDRESS");
        for (JsonNode member : view.path("members")) {
            String id = ListCommand.text(member, "machine_id");
            MemberActivity.Sample sample = now.get(id);
            MemberActivity.Sample before = previous.get(id);
            String tps = sample == null || before == null ? null
                    : String.format(Locale.ROOT, "%.1f", sample.transactionsPerSecond(before));
            table.row(id.equals(leader) ? "*" : "", id, ListCommand.text(member, "role"), ListCommand.state(view, member, at),
                    ListCommand.text(member, "lag_bytes"), tps, sample == null ? null : sample.clientSessions(),
                    ListCommand.text(member, "address"));
        }
        table.print(out);
        out.println();
    }
}
