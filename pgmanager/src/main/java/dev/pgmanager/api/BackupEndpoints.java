package dev.pgmanager.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.backup.BackupException;
import dev.pgmanager.backup.BackupKeeper;
import dev.pgmanager.backup.BackupSet;
import dev.pgmanager.backup.BackupStatus;
import dev.pgmanager.backup.BackupType;
import dev.pgmanager.backup.RepositoryInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup commands an operator sends to the leader ({@code pgmanager backup ...}): each needs the API token, since
 * each reads or changes the repository (and every read is a request to the bucket).
 */
final class BackupEndpoints {
    private static final Logger log = LoggerFactory.getLogger(BackupEndpoints.class);
    private static final Pattern LABEL = Pattern.compile("\\d{8}-\\d{6}F(_\\d{8}-\\d{6}[DI])?");

    private final Optional<BackupKeeper> keeper;
    private final BearerAuth auth;

    BackupEndpoints(Optional<BackupKeeper> keeper, BearerAuth auth) {
        this.keeper = keeper;
        this.auth = auth;
    }

    ApiResponse create(ApiRequest request) {
        auth.require(request);
        JsonNode body = body(request);
        BackupType type;
        try {
            type = BackupType.parse(body.path("type").asText("full"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        return run(request, type + " backup", k -> {
            BackupSet backup = k.createBackup(type);
            return Json.object().put("message", type + " backup " + backup.label() + " taken").set("backup", backupJson(backup));
        });
    }

    ApiResponse list(ApiRequest request) {
        auth.require(request);
        return run(request, null, k -> {
            RepositoryInfo info = k.list();
            ObjectNode answer = Json.object();
            answer.put("status", info.status());
            ArrayNode backups = answer.putArray("backups");
            info.backups().forEach(b -> backups.add(backupJson(b)));
            info.archiveMin().ifPresent(min -> answer.put("archive_min", min));
            info.archiveMax().ifPresent(max -> answer.put("archive_max", max));
            answer.set("state", statusJson(k.status()));
            return answer;
        });
    }

    ApiResponse verify(ApiRequest request) {
        auth.require(request);
        return run(request, "verify", k -> Json.object().put("message", "the repository verified: every backup file and archived "
                + "WAL segment matches its checksum").put("report", k.verify().strip()));
    }

    ApiResponse delete(ApiRequest request) {
        auth.require(request);
        String label = body(request).path("label").asText("");
        if (!LABEL.matcher(label).matches()) {
            throw ApiError.badRequest("send {\"label\": \"<backup label>\"}, a label as pgmanager backup list shows it "
                    + "(like 20261203-101500F)");
        }
        return run(request, "deleting backup " + label, k -> {
            k.delete(label);
            return Json.object().put("message", "backup " + label + " and the backups built on it were removed");
        });
    }

    private ApiResponse run(ApiRequest request, String what, Function<BackupKeeper, ObjectNode> command) {
        BackupKeeper k = keeper.orElseThrow(() -> ApiError.of(409, "this cluster has no backups: set backup.bucket (BUCKET_NAME) "
                + "and the object storage's endpoint and keys, then restart the members"));
        try {
            ObjectNode answer = command.apply(k);
            if (what != null) log.info("operator at {} asked for {}: done", request.remote(), what);
            return ApiResponse.json(200, answer);
        } catch (BackupException e) {
            if (what != null) log.info("operator at {} asked for {}: failed: {}", request.remote(), what, e.getMessage());
            return ApiResponse.json(409, Json.object().put("error", e.getMessage()));
        }
    }

    /** The backup state as /cluster and pgmanager backup list show it: times as ISO-8601, absent values left out. */
    static ObjectNode statusJson(BackupStatus s) {
        ObjectNode node = Json.object();
        s.lastArchivedAt().ifPresent(at -> node.put("last_archived_at", at.toString()));
        s.lastArchivedWal().ifPresent(wal -> node.put("last_archived_wal", wal));
        s.walWaitingSince().ifPresent(at -> node.put("wal_waiting_since", at.toString()));
        s.archiveFailingSince().ifPresent(at -> node.put("archive_failing_since", at.toString()));
        node.put("failed_archive_attempts", s.failedArchiveAttempts());
        s.lastBackupAt().ifPresent(at -> node.put("last_backup_at", at.toString()));
        s.lastBackupLabel().ifPresent(label -> node.put("last_backup", label));
        s.oldestRecoveryPoint().ifPresent(at -> node.put("oldest_recovery_point", at.toString()));
        node.put("backups", s.backupCount()).put("repository_bytes", s.repositoryBytes());
        s.problem().ifPresent(problem -> node.put("problem", problem));
        return node;
    }

    static ObjectNode backupJson(BackupSet b) {
        ObjectNode node = Json.object().put("label", b.label()).put("type", b.type());
        b.prior().ifPresent(prior -> node.put("prior", prior));
        return node.put("started", b.started().toString()).put("stopped", b.stopped().toString())
                .put("start_lsn", b.startLsn()).put("stop_lsn", b.stopLsn())
                .put("wal_start", b.walStart()).put("wal_stop", b.walStop())
                .put("database_bytes", b.sizeBytes()).put("stored_bytes", b.storedBytes());
    }

    private static JsonNode body(ApiRequest request) {
        byte[] bytes = request.body();
        if (bytes.length == 0) return Json.object();
        try {
            JsonNode node = Json.MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
            if (node == null || !node.isObject()) throw ApiError.badRequest("the body must be a JSON object");
            return node;
        } catch (IOException e) {
            throw ApiError.badRequest("the body is not JSON: " + e.getMessage());
        }
    }
}
