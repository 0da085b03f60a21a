package dev.pgmanager.cli;

import dev.pgmanager.api.HistoryJson;
import dev.pgmanager.store.HistoryEntry;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code pgmanager history}: what happened to the cluster, oldest first. */
@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the cluster's history, oldest first.",
            "Each event as the store keeps it: when, what (bootstrap, failover, switchover, ...), which member, the "
                    + "leader epoch and timeline at that moment, and a sentence of detail. Talks to the store only.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:printed",
            "1:the store could not be reached or read",
            "2:invalid command line, or no cluster named",
        })
final class HistoryCommand extends ClusterReport {
    @Override
    public Integer call() {
        List<HistoryEntry> history;
        try (ZooKeeperClusterStore store = target.openStore()) {
            history = store.read().history();
        }
        PrintWriter out = out();
        switch (output.format) {
            case json -> out.println(Json.pretty(HistoryJson.of(history)));
            case table -> {
                TextTable table = new TextTable("TIME", "KIND", "MEMBER", "EPOCH", "TIMELINE", "DETAIL");
                // 0 means "none" or "unknown" in the records: print it as such
                history.forEach(e -> table.row(e.at(), e.kind(), e.machineId(), e.epoch() > 0 ? e.epoch() : null,
                        e.timeline() > 0 ? e.timeline() : null, e.detail()));
                table.print(out);
            }
        }
        out.flush();
        return 0;
    }
}
