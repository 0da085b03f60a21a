package dev.pgmanager.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pgmanager.store.HistoryEntry;
import java.util.List;

/** The body of {@code GET /history} and of {@code pgmanager history -o json}: the cluster's events, oldest first. */
public final class HistoryJson {
    private HistoryJson() {}

    public static ArrayNode of(List<HistoryEntry> history) {
        ArrayNode json = Json.array();
        for (HistoryEntry e : history) {
            var entry = json.addObject()
                    .put("at", e.at() == null ? null : e.at().toString())
                    .put("kind", e.kind())
                    .put("machine_id", e.machineId());
            entry.put("epoch", e.epoch()).put("timeline", e.timeline()).put("detail", e.detail());
        }
        return json;
    }
}
