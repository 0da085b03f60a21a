package dev.pgmanager.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.ha.LocalPostgres;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.ha.Pass;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.postgres.Lsn;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/** The body of {@code GET /member}: this member as its last pass saw it. */
final class MemberJson {
    private MemberJson() {}

    static ObjectNode of(Pass pass, Optional<InetAddress> address, RewriterReport rewriter, Optional<DiskSpace> disk) {
        Observation o = pass.observation();
        LocalPostgres local = o.local();
        ObjectNode json = Json.object()
                .put("machine_id", o.id().value())
                .put("region", o.me().region())
                .put("role", role(o))
                .put("state", o.me().state().word());
        json.put("timeline", local.timeline() > 0 ? local.timeline() : null);
        json.put("received_position", boxed(local.wal().received()));
        json.put("received_lsn", lsnText(local.wal().received()));
        json.put("replayed_position", boxed(local.wal().replayed()));
        json.put("replayed_lsn", lsnText(local.wal().replayed()));
        json.put("lag_bytes", boxed(ReplicationLag.ofLocal(o)));
        json.put("streaming", local.streaming());
        // Its lease in doubt, the primary is held still (SIGSTOP) until the lease is confirmed again or lost
        json.put("frozen", local.frozen());
        json.put("upstream", local.following().map(f -> f.leader().value()).orElse(null));
        json.put("lease_state", o.leaseState().name().toLowerCase(Locale.ROOT));
        json.put("epoch", o.iLead() ? o.lease().orElseThrow().epoch() : null);
        json.put("leader", o.cluster().leader().map(l -> l.machineId()).orElse(null));
        json.put("paused", o.cluster().spec().value().paused());
        json.put("last_decision", pass.decision().reason());
        json.put("last_pass_finished_at", pass.finishedAt().toString());
        json.put("address", address.map(AddressText::of).orElse(null));
        json.set("rewriter", rewriter(rewriter));
        json.set("data_directory", disk.map(MemberJson::disk).orElse(null));
        return json;
    }

    private static ObjectNode disk(DiskSpace space) {
        return Json.object().put("path", space.path()).put("free_bytes", space.freeBytes()).put("total_bytes", space.totalBytes());
    }

    static ObjectNode rewriter(RewriterReport report) {
        ObjectNode json = Json.object().put("state", report.on() ? "on" : "off");
        json.put("reason", report.reason().orElse(null));
        json.put("entries", report.entries());
        json.put("hits", report.hits());
        json.put("stale_uses", report.staleUses());
        return json;
    }

    /**
     * What this member's server is doing, as far as clients care: a primary without the lease is named apart,
     * because it is about to be fenced and must not be written to.
     */
    static String role(Observation o) {
        LocalPostgres local = o.local();
        if (local.isPrimary()) return o.iLead() ? "primary" : "primary_without_lease";
        if (local.isReplica()) return "replica";
        if (local.running()) return "unknown";
        return switch (local.data()) {
            case EMPTY -> "uninitialized";
            case FOREIGN -> "foreign_data";
            case CLUSTER -> "stopped";
        };
    }

    /** Unknown positions are -1 in the records; JSON says so with null. */
    static Long position(long position) {
        return position < 0 ? null : position;
    }

    static Long boxed(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }

    /** PostgreSQL's notation ({@code 0/3000060}), or null for an unknown (negative) position. */
    private static String lsnText(OptionalLong position) {
        return position.isPresent() ? new Lsn(position.getAsLong()).toString() : null;
    }
}
