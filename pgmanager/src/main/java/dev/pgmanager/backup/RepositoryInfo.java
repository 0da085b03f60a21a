package dev.pgmanager.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the repository holds for one cluster: its base backups, oldest first, and the range of WAL archived for the
 * current database. Read from {@code pgbackrest info --output=json}.
 *
 * @param status      pgBackRest's word on the stanza ({@code ok}, {@code no valid backups}, {@code missing stanza path} ...)
 * @param archiveMin  the oldest WAL segment archived for the current database; empty when none is
 */
public record RepositoryInfo(String status, int statusCode, List<BackupSet> backups, Optional<String> archiveMin,
                             Optional<String> archiveMax) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** pgBackRest's status codes that mean the stanza exists; 2 is "no valid backups", still a usable stanza. */
    private static final int OK = 0;
    private static final int NO_BACKUPS = 2;

    public RepositoryInfo {
        backups = List.copyOf(backups);
    }

    public boolean stanzaExists() {
        return statusCode == OK || statusCode == NO_BACKUPS;
    }

    public Optional<BackupSet> latest() {
        return backups.isEmpty() ? Optional.empty() : Optional.of(backups.getLast());
    }

    public Optional<BackupSet> latestFull() {
        return backups.stream().filter(BackupSet::full).reduce((a, b) -> b);
    }

    public Optional<BackupSet> find(String label) {
        return backups.stream().filter(b -> b.label().equals(label)).findFirst();
    }

    static RepositoryInfo parse(String json, String stanza) {
        try {
            JsonNode stanzas = JSON.readTree(json);
            for (JsonNode node : stanzas) {
                if (stanza.equals(node.path("name").asText())) return of(node);
            }
            throw new IllegalArgumentException("pgbackrest info says nothing of stanza " + stanza);
        } catch (IOException e) {
            throw new IllegalArgumentException("pgbackrest info printed what is not JSON: " + e.getMessage(), e);
        }
    }

    private static RepositoryInfo of(JsonNode stanza) {
        List<BackupSet> backups = new ArrayList<>();
        for (JsonNode b : stanza.path("backup")) {
            if (b.path("error").asBoolean(false)) continue; // a backup with page errors is not one to restore from
            JsonNode prior = b.path("prior");
            backups.add(new BackupSet(b.path("label").asText(), b.path("type").asText(),
                    prior.isTextual() ? Optional.of(prior.asText()) : Optional.empty(),
                    Instant.ofEpochSecond(b.path("timestamp").path("start").asLong()),
                    Instant.ofEpochSecond(b.path("timestamp").path("stop").asLong()),
                    b.path("lsn").path("start").asText(""), b.path("lsn").path("stop").asText(""),
                    b.path("archive").path("start").asText(""), b.path("archive").path("stop").asText(""),
                    b.path("info").path("size").asLong(), b.path("info").path("repository").path("delta").asLong()));
        }
        backups.sort(Comparator.comparing(BackupSet::stopped).thenComparing(BackupSet::label));
        // The archive of the database the cluster runs now: the last entry of db, whose id the archive list names.
        JsonNode dbs = stanza.path("db");
        long currentDb = dbs.isEmpty() ? -1 : dbs.get(dbs.size() - 1).path("id").asLong();
        Optional<String> min = Optional.empty();
        Optional<String> max = Optional.empty();
        for (JsonNode archive : stanza.path("archive")) {
            if (archive.path("database").path("id").asLong() != currentDb) continue;
            if (archive.path("min").isTextual()) min = Optional.of(archive.path("min").asText());
            if (archive.path("max").isTextual()) max = Optional.of(archive.path("max").asText());
        }
        JsonNode status = stanza.path("status");
        return new RepositoryInfo(status.path("message").asText(""), status.path("code").asInt(-1), backups, min, max);
    }
}
