package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.api.ClusterJson;
import dev.pgmanager.config.Durations;
import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.List;
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
                    + "Also says when the cluster is paused, when a switchover or failover is pending, when a member's "
                    + "volume is so full that its user sessions are read-only, and, in the leader's state, how the cluster's "
                    + "backups stand: when WAL was last archived and the last backup taken, archiving that fails, or no "
                    + "backups at all. "
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
            case table -> printTable(view, out, Instant.now());
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

    static void printTable(ObjectNode view, PrintWriter out, Instant now) {
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
            table.row(id.equals(leader) ? "*" : "", id, text(member, "region"), text(member, "role"), state(view, member, now),
                    text(member, "timeline"), text(member, "lag_bytes"), text(member, "address"));
        }
        table.print(out);
        for (JsonNode member : view.path("members")) {
            if (member.path("disk_full").asBoolean()) {
                out.println(text(member, "machine_id") + ": its volume is past disk.read_only_at, so user sessions are read-only "
                        + "until it is below disk.writable_below; free space or extend the volume");
            }
        }
        for (JsonNode member : view.path("members")) {
            if (!member.path("pending_restart").isEmpty()) {
                List<String> names = new java.util.ArrayList<>();
                member.path("pending_restart").forEach(n -> names.add(n.asText()));
                out.println(text(member, "machine_id") + ": pending restart (" + String.join(", ", names) + "): the cluster's "
                        + "parameters apply at its next restart; pgmanager restart --pending");
            }
        }
        JsonNode backups = view.path("backups");
        if (backups.isObject() && !backups.path("enabled").asBoolean()) {
            out.println("no backups: no bucket is configured (backup.bucket, BUCKET_NAME), so a lost volume cannot be recovered "
                    + "nor a mistake undone; on Fly: fly storage create, then restart the members");
        }
        if (backups.has("archive_failing_since")) {
            out.println(leader + ": WAL archiving has failed since " + text(backups, "archive_failing_since") + " ("
                    + text(backups, "failed_archive_attempts") + " failed attempts): PostgreSQL keeps the WAL on its volume and "
                    + "retries; pgmanager backup list and the leader's log say why");
        }
        if (backups.has("problem")) out.println(leader + ": backups: " + text(backups, "problem"));
    }

    /**
     * A member's state as the tables show it: a full volume where an operator looks first, and on the leader how the
     * cluster's backups stand.
     */
    static String state(JsonNode view, JsonNode member, Instant now) {
        String state = text(member, "state") + (member.path("disk_full").asBoolean() ? ", read-only: disk full" : "");
        boolean leads = text(member, "machine_id").equals(text(view, "leader"));
        return leads ? backups(view.path("backups"), now).map(b -> state + ", " + b).orElse(state) : state;
    }

    /** {@code archive 12s ago, backup 3h ago}; failures in capitals; empty when nobody can tell. */
    private static Optional<String> backups(JsonNode backups, Instant now) {
        if (!backups.isObject()) return Optional.empty();
        if (!backups.path("enabled").asBoolean()) return Optional.of("no backups");
        String archive = backups.has("archive_failing_since")
                ? "ARCHIVE FAILING for " + ago(backups, "archive_failing_since", now)
                : backups.has("last_archived_at") ? "archive " + ago(backups, "last_archived_at", now) + " ago" : "nothing archived yet";
        String backup = backups.has("last_backup_at") ? "backup " + ago(backups, "last_backup_at", now) + " ago" : "no backup yet";
        return Optional.of(archive + ", " + backup + (backups.has("problem") ? ", BACKUPS FAILING" : ""));
    }

    private static String ago(JsonNode node, String field, Instant now) {
        return Durations.roughly(Duration.between(Instant.parse(node.path(field).asText()), now));
    }

    /** A field as text; null when JSON has none (the table prints {@code -}). */
    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }
}
