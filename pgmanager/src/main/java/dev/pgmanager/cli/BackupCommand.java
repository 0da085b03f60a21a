package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgmanager backup create|list|verify|delete}: the cluster's backups, through its leader's sidecar. */
@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = {
            "The cluster's backups in object storage (an S3 bucket: Tigris on Fly), taken and checked by pgBackRest.",
            "The leader archives WAL continuously and takes base backups on schedule (backup.full_every, "
                    + "backup.differential_every), keeping what the recovery window (backup.recovery_window) needs. These "
                    + "commands ask the leader's sidecar (POST /backups... with the API token). Restore with pgmanager restore "
                    + "(a new cluster; the source is never touched).",
        },
        subcommands = {BackupCommand.Create.class, BackupCommand.ListBackups.class, BackupCommand.Verify.class,
            BackupCommand.Delete.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:refused or failed (the message says why: no backups configured, no leader, the bucket, the token)",
            "2:invalid command line, or no cluster named",
        })
final class BackupCommand {
    /** Sized for a large database's backup: the leader answers when pgBackRest is done. */
    private static final Duration BACKUP_TIMEOUT = Duration.ofHours(12);

    private BackupCommand() {}

    private static String quoted(String text) {
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(text).toString();
    }

    /** The command sent to whoever leads now. */
    abstract static class ToLeader extends ClusterCommand {
        JsonNode send(String path, String body, Duration timeout) throws InterruptedException {
            String leader;
            try (ZooKeeperClusterStore store = target.openStore()) {
                ClusterSnapshot cluster = store.read();
                leader = cluster.leader().map(Leader::machineId).orElseThrow(() -> new CommandFailed("cluster "
                        + target.target().cluster() + " has no leader now: backups are taken and listed by the leader "
                        + "(see pgmanager list)"));
            }
            return MemberApi.postForJson(target, leader, path, body, timeout);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Takes a base backup now, from the leader, and waits until it is in the repository.")
    static final class Create extends ToLeader {
        @Option(names = "--type", defaultValue = "full", paramLabel = "TYPE",
                description = "full, diff (what changed since the last full backup) or incr (since the last backup) "
                        + "(default: ${DEFAULT-VALUE}).")
        String type;

        @Override
        public Integer call() throws InterruptedException {
            out().println(send("/backups", "{\"type\": " + quoted(type) + "}", BACKUP_TIMEOUT).path("message").asText());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the backups in the repository, the recovery window they give, and how archiving stands.")
    static final class ListBackups extends ToLeader {
        @picocli.CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() throws InterruptedException {
            JsonNode answer = send("/backups/list", "", Duration.ofMinutes(2));
            PrintWriter out = out();
            if (output.format == OutputFormat.json) {
                out.println(answer.toPrettyString());
                return 0;
            }
            TextTable table = new TextTable("LABEL", "TYPE", "FINISHED", "CONSISTENT AT", "DATABASE", "STORED");
            for (JsonNode b : answer.path("backups")) {
                table.row(b.path("label").asText(), b.path("type").asText(), b.path("stopped").asText(), b.path("stop_lsn").asText(),
                        megabytes(b.path("database_bytes").asLong()), megabytes(b.path("stored_bytes").asLong()));
            }
            if (answer.path("backups").isEmpty()) {
                out.println("no backups yet (repository status: " + answer.path("status").asText() + ")");
            } else {
                table.print(out);
            }
            JsonNode state = answer.path("state");
            out.println("recovery window: from " + state.path("oldest_recovery_point").asText("(no backup)") + " to the last "
                    + "archived WAL " + answer.path("archive_max").asText("(none yet)"));
            out.println("archiving: " + (state.has("archive_failing_since")
                    ? "FAILING since " + state.path("archive_failing_since").asText() + " (" + state.path("failed_archive_attempts").asLong()
                            + " failed attempts)"
                    : "last segment " + state.path("last_archived_wal").asText("(none yet)") + " at "
                            + state.path("last_archived_at").asText("-")));
            if (state.has("problem")) out.println("problem: " + state.path("problem").asText());
            return 0;
        }
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Reads every backup file and archived WAL segment in the repository back and checks its checksum.")
    static final class Verify extends ToLeader {
        @Override
        public Integer call() throws InterruptedException {
            JsonNode answer = send("/backups/verify", "", Duration.ofHours(4));
            out().println(answer.path("message").asText());
            String report = answer.path("report").asText("");
            if (!report.isBlank()) out().println(report);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Removes one backup, the backups built on it, and the WAL only they needed. The recovery window "
                    + "shrinks accordingly.")
    static final class Delete extends ToLeader {
        @Parameters(paramLabel = "LABEL", description = "The backup's label, as pgmanager backup list shows it.")
        String label;

        @Override
        public Integer call() throws InterruptedException {
            out().println(send("/backups/delete", "{\"label\": " + quoted(label) + "}", Duration.ofMinutes(10))
                    .path("message").asText());
            return 0;
        }
    }
}
