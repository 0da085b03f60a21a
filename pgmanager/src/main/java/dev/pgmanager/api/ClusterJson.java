package dev.pgmanager.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.HandoverRequest;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The body of {@code GET /cluster}: every member as the store last showed it, with each address resolved at the
 * moment of the request (addresses are never stored, so an old one is never shown as current). {@code pgmanager list}
 * prints the same body, so that the API and the CLI name every field alike.
 *
 * <p>{@code backups} says how the cluster's backups stand, as its leader reports them in its record (the only member
 * that archives and takes backups): {@code {"enabled": false}} when the leader has none configured, {@code {"enabled":
 * true, ...}} with the leader's facts otherwise, and null when no leader's record can tell.
 */
public final class ClusterJson {
    private ClusterJson() {}

    public static ObjectNode of(ClusterSnapshot cluster, Function<String, Optional<InetAddress>> addressOf) {
        ObjectNode json = Json.object().put("cluster", cluster.cluster());
        json.put("leader", cluster.leader().map(l -> l.machineId()).orElse(null));
        json.put("epoch", cluster.leader().map(l -> l.epoch()).orElse(null));
        json.put("paused", cluster.spec().value().paused());
        json.set("handover", cluster.handover().map(ClusterJson::handover).orElse(null));
        json.set("backups", cluster.leader().flatMap(l -> cluster.member(l.machineId())).map(ClusterJson::clusterBackups).orElse(null));
        ArrayNode members = json.putArray("members");
        cluster.members().values().stream()
                .sorted(Comparator.comparing(Member::machineId))
                .forEach(m -> members.add(member(cluster, m, addressOf.apply(m.machineId()))));
        return json;
    }

    private static ObjectNode member(ClusterSnapshot cluster, Member m, Optional<InetAddress> address) {
        ObjectNode json = Json.object()
                .put("machine_id", m.machineId())
                .put("region", m.region())
                .put("role", m.role().name().toLowerCase(Locale.ROOT))
                .put("state", m.state().word());
        json.put("timeline", m.timeline() > 0 ? m.timeline() : null);
        json.put("received_position", MemberJson.position(m.receivedPosition()));
        json.put("replayed_position", MemberJson.position(m.replayedPosition()));
        json.put("lag_bytes", MemberJson.boxed(ReplicationLag.ofMember(cluster, m)));
        json.put("database_port", m.databasePort());
        json.put("api_port", m.apiPort());
        json.put("disk_full", m.diskFull());
        m.pendingRestart().forEach(json.putArray("pending_restart")::add);
        json.set("backups", m.backups().map(ClusterJson::backups).orElse(null));
        json.putObject("tags").put("nofailover", m.tags().noFailover()).put("priority", m.tags().priority());
        json.put("updated_at", m.updatedAt() == null ? null : m.updatedAt().toString());
        json.put("address", address.map(AddressText::of).orElse(null));
        return json;
    }

    private static ObjectNode clusterBackups(Member leader) {
        ObjectNode json = Json.object().put("enabled", leader.backups().isPresent());
        leader.backups().ifPresent(b -> json.setAll(backups(b)));
        return json;
    }

    /** Named as {@code pgmanager backup list} names the leader's state: times as ISO-8601, absent values left out. */
    private static ObjectNode backups(Member.Backups b) {
        ObjectNode json = Json.object();
        b.lastArchivedAt().ifPresent(at -> json.put("last_archived_at", at.toString()));
        b.lastArchivedWal().ifPresent(wal -> json.put("last_archived_wal", wal));
        b.walWaitingSince().ifPresent(at -> json.put("wal_waiting_since", at.toString()));
        b.archiveFailingSince().ifPresent(at -> json.put("archive_failing_since", at.toString()));
        json.put("failed_archive_attempts", b.failedArchiveAttempts());
        b.lastBackupAt().ifPresent(at -> json.put("last_backup_at", at.toString()));
        b.lastBackupLabel().ifPresent(label -> json.put("last_backup", label));
        b.oldestRecoveryPoint().ifPresent(at -> json.put("oldest_recovery_point", at.toString()));
        json.put("backups", b.backupCount()).put("repository_bytes", b.repositoryBytes());
        b.problem().ifPresent(problem -> json.put("problem", problem));
        json.put("archive_timeout_seconds", b.archiveTimeoutMillis() / 1000);
        json.put("backup_interval_seconds", b.backupIntervalMillis() / 1000);
        return json;
    }

    private static ObjectNode handover(HandoverRequest request) {
        ObjectNode json = Json.object().put("kind", request.kind().name().toLowerCase(Locale.ROOT));
        json.put("from", request.from());
        json.put("to", request.to());
        json.put("requested_at", request.requestedAt() == null ? null : request.requestedAt().toString());
        return json;
    }
}
