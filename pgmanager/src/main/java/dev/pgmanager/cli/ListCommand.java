package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.api.ClusterJson;
import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;

/** {@code pgmanager list}: the cluster's members as the store shows them, each at the address DNS gives it now. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "Lists the members, the leader and its epoch, and where each member is now.",
            "For each member: machine ID, region, role, state, timeline, replay lag in bytes behind the leader's published "
                    + "position, and the address its machine ID resolves to right now in DNS (- when it does not resolve). "
                    + "Also says when the cluster is paused, when a switchover or failover is pending, and when a member's "
                    + "volume is so full that its user sessions are read-only. "
                    + "Talks to the store and to DNS, never to the members.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:listed",
            "1:the store could not be reached or read",
            "2:invalid command line, or no cluster named",
        })
final class ListCommand extends ClusterReport {
    @Override
    public Integer call() {
        ClusterSnapshot cluster;
        try (ZooKeeperClusterStore store = target.openStore()) {
            cluster = store.read();
        }
        Map<String, Optional<InetAddress>> addresses = resolveAll(cluster, target.addresses());
        ObjectNode view = ClusterJson.of(cluster, addresses::get);
        PrintWriter out = out();
        switch (output.format) {
            case json -> out.println(Json.pretty(view));
            case table -> printTable(view, out);
        }
        out.flush();
        return 0;
    }

    /** Looks every member up at once: one slow or silent name must not make the whole list wait in turn. */
    private static Map<String, Optional<InetAddress>> resolveAll(ClusterSnapshot cluster, AddressResolver resolver) {
        Map<String, Future<Optional<InetAddress>>> lookups = new TreeMap<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            cluster.members().keySet().forEach(id -> lookups.put(id, executor.submit(() -> resolver.resolve(MachineId.of(id)))));
        }
        Map<String, Optional<InetAddress>> addresses = new TreeMap<>();
        lookups.forEach((id, lookup) -> addresses.put(id, lookup.resultNow()));
        return addresses;
    }

    private static void printTable(ObjectNode view, PrintWriter out) {
        String leader = text(view, "leader");
        out.println("cluster " + view.path("cluster").asText() + ": "
                + (leader == null ? "no leader" : "leader " + leader + ", epoch " + text(view, "epoch")));
        if (view.path("paused").asBoolean()) out.println("paused: the sidecars observe and report, and change nothing");
        JsonNode handover = view.path("handover");
        if (handover.isObject()) {
            out.println("pending " + text(handover, "kind")
                    + Optional.ofNullable(text(handover, "from")).map(from -> " from " + from).orElse("")
                    + " to " + Optional.ofNullable(text(handover, "to")).orElse("the best replica")
                    + ", requested at " + text(handover, "requested_at"));
        }
        out.println();
        TextTable table = new TextTable("LEADER", "MEMBER", "REGION", "ROLE", "STATE", "TIMELINE", "LAG_BYTES", "ADDRESS");
        for (JsonNode member : view.path("members")) {
            String id = text(member, "machine_id");
            table.row(id.equals(leader) ? "*" : "", id, text(member, "region"), text(member, "role"), state(member),
                    text(member, "timeline"), text(member, "lag_bytes"), text(member, "address"));
        }
        table.print(out);
        for (JsonNode member : view.path("members")) {
            if (member.path("disk_full").asBoolean()) {
                out.println(text(member, "machine_id") + ": its volume is past disk.read_only_at, so user sessions are read-only "
                        + "until it is below disk.writable_below; free space or extend the volume");
            }
        }
    }

    /** A member's state as the tables show it: a full volume where an operator looks first. */
    static String state(JsonNode member) {
        return text(member, "state") + (member.path("disk_full").asBoolean() ? ", read-only: disk full" : "");
    }

    /** A field as text; null when JSON has none (the table prints {@code -}). */
    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }
}
