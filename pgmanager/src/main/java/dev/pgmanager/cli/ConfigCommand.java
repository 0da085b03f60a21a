package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.postgres.ClusterParameters;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pgmanager config}: the server parameters of the whole cluster. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = {
            "Shows and changes the PostgreSQL parameters of the whole cluster (as Patroni's show-config and edit-config).",
            "They live in the store; every member writes them to its configuration and reloads its server within a pass. "
                    + "A change is checked first against the primary's pg_settings: an unknown name, a value of the wrong "
                    + "type, out of range or not one of the choices, or a setting pgmanager sets itself (port, "
                    + "listen_addresses, archive_command, ...) is refused with the reason, and nothing is stored. Settings "
                    + "that apply only at a restart (shared_buffers, max_connections, ...) show as pending restart in "
                    + "pgmanager config show, pgmanager list and /cluster until pgmanager restart --pending restarts the "
                    + "members that wait: replicas first, then a switchover, then the old primary.",
            "A member's own postgres.parameters (its configuration file) seed the cluster's parameters when the cluster "
                    + "is created; after that the cluster's parameters win over them. ALTER SYSTEM still wins over both.",
            "fly pg config update reaches the same engine.",
        },
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Set.class, ConfigCommand.Edit.class, ConfigCommand.StolonctlRun.class})
final class ConfigCommand extends CommandGroup {

    /** {@code config show}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Prints the cluster's parameters, and the members whose server waits for a restart to apply some.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:shown", "1:the store cannot be read", "2:invalid command line, or no cluster named"})
    static final class Show extends ClusterCommand {
        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            ClusterSnapshot cluster;
            try (ZooKeeperClusterStore store = target.openStore()) {
                cluster = store.read();
            }
            Map<String, String> parameters = cluster.spec().value().parameters();
            Map<String, List<String>> pending = new TreeMap<>();
            cluster.members().values().stream().filter(m -> !m.pendingRestart().isEmpty())
                    .forEach(m -> pending.put(m.machineId(), m.pendingRestart()));
            PrintWriter out = out();
            if (output.format == OutputFormat.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("cluster", target.target().cluster());
                json.put("parameters", parameters);
                json.put("pending_restart", pending);
                out.println(Json.pretty(json));
            } else {
                out.println("cluster " + target.target().cluster() + ": " + (parameters.isEmpty() ? "no parameters of its own"
                        : parameters.size() + " parameter" + (parameters.size() == 1 ? "" : "s")));
                parameters.forEach((name, value) -> out.println("  " + name + " = " + value));
                if (pending.isEmpty()) {
                    out.println("no member waits for a restart");
                } else {
                    pending.forEach((id, names) -> out.println("pending restart: " + id + " (" + String.join(", ", names) + ")"));
                    out.println("to apply: pgmanager restart --pending");
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code config set NAME=VALUE ...}. */
    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Sets parameters of the whole cluster; NAME= (an empty value) removes one, so that the server's "
                    + "default applies again.", "Checked first against the primary's pg_settings; on any problem nothing is "
                    + "stored. Needs the superuser's password (" + PrimaryDatabase.PASSWORD_SETTINGS + ")."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:stored (members apply it within a pass)", "1:no leader, or the store or PostgreSQL failed",
                "2:invalid command line or parameters (nothing was stored), no cluster named, no superuser password"})
    static final class Set extends ClusterCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME=VALUE", description = "A postgresql.conf parameter and its value.")
        List<String> assignments;

        @Override
        public Integer call() throws Exception {
            Map<String, String> changes = new LinkedHashMap<>();
            for (String assignment : assignments) {
                int eq = assignment.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("'" + assignment + "' is not NAME=VALUE");
                changes.put(assignment.substring(0, eq).strip(), assignment.substring(eq + 1).strip());
            }
            report(store(target, changes, false), out());
            return 0;
        }
    }

    /** {@code config edit}. */
    @Command(name = "edit", mixinStandardHelpOptions = true,
            description = {"Opens the cluster's parameters in $VISUAL or $EDITOR (default vi), one NAME = VALUE per line, and "
                    + "stores what you save (a line removed removes the parameter).", "Checked as config set checks; on any "
                    + "problem nothing is stored."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:stored, or nothing changed", "1:no leader, the editor failed, or the store or PostgreSQL failed",
                "2:invalid parameters (nothing was stored), no cluster named, no superuser password"})
    static final class Edit extends ClusterCommand {
        private static final Pattern LINE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.]*)\\s*=\\s*(.*?)\\s*");

        @Override
        public Integer call() throws Exception {
            Map<String, String> current;
            try (ZooKeeperClusterStore store = target.openStore()) {
                current = store.read().spec().value().parameters();
            }
            Path file = Files.createTempFile("pgmanager-config-", ".conf", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            try {
                StringBuilder text = new StringBuilder("# The PostgreSQL parameters of cluster " + target.target().cluster()
                        + ": one NAME = VALUE per line. Save and quit to store them; a removed line removes the parameter.\n");
                current.forEach((name, value) -> text.append(name).append(" = ").append(value).append('\n'));
                Files.writeString(file, text);
                String editor = ClusterTarget.environment("VISUAL").or(() -> ClusterTarget.environment("EDITOR")).orElse("vi");
                Process process = new ProcessBuilder("sh", "-c", editor + " \"$1\"", "sh", file.toString()).inheritIO().start();
                if (process.waitFor() != 0) throw new CommandFailed("the editor (" + editor + ") failed; nothing was stored");
                Map<String, String> edited = new TreeMap<>();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank() || line.strip().startsWith("#")) continue;
                    Matcher m = LINE.matcher(line);
                    if (!m.matches()) throw new IllegalArgumentException("'" + line + "' is not NAME = VALUE; nothing was stored");
                    edited.put(m.group(1), unquoted(m.group(2)));
                }
                if (edited.equals(current)) {
                    out().println("nothing changed");
                    out().flush();
                    return 0;
                }
                report(store(target, edited, true), out());
                return 0;
            } finally {
                Files.deleteIfExists(file);
            }
        }

        private static String unquoted(String value) {
            return value.length() >= 2 && value.startsWith("'") && value.endsWith("'")
                    ? value.substring(1, value.length() - 1).replace("''", "'") : value;
        }
    }

    /**
     * What flyctl runs over SSH on the leader for {@code fly pg config update} on an image that is not postgres-flex:
     * {@code stolonctl-run BASE64}, where the text is {@code update --patch '{"pgParameters": {...}}'}. Answers on
     * standard output with the JSON flyctl decodes, {@code {"success", "message", "data"}}.
     */
    @Command(name = "stolonctl-run", hidden = true, description = "flyctl's config update over SSH (the image's stolonctl-run).")
    static final class StolonctlRun extends ClusterCommand {
        private static final Pattern UPDATE = Pattern.compile("\\s*update\\s+--patch\\s+'(.*)'\\s*", Pattern.DOTALL);

        @Parameters(paramLabel = "BASE64")
        String encoded;

        @Override
        public Integer call() {
            Map<String, Object> answer = new LinkedHashMap<>();
            try {
                String command = new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
                Matcher m = UPDATE.matcher(command);
                if (!m.matches()) throw new IllegalArgumentException("only update --patch '{\"pgParameters\": {...}}' is understood");
                JsonNode patch = new ObjectMapper().readTree(m.group(1)).path("pgParameters");
                if (!patch.isObject() || patch.isEmpty()) throw new IllegalArgumentException("the patch names no pgParameters");
                Map<String, String> changes = new LinkedHashMap<>();
                patch.properties().forEach(e -> changes.put(e.getKey(), e.getValue().asText()));
                ClusterParameters.Change change = store(target, changes, false);
                answer.put("success", true);
                answer.put("message", "updated " + String.join(", ", change.changed()) + (change.needRestart().isEmpty() ? ""
                        : "; " + String.join(", ", change.needRestart()) + " need a restart to apply"));
            } catch (IOException | RuntimeException e) {
                answer.put("success", false);
                answer.put("message", e.getMessage());
            } catch (Exception e) {
                answer.put("success", false);
                answer.put("message", String.valueOf(e.getMessage()));
            }
            answer.put("data", "");
            out().println(Json.compact(answer));
            out().flush();
            return 0;
        }
    }

    /** Checks {@code changes} on the primary and stores them (replacing all parameters when {@code replaceAll}). */
    static ClusterParameters.Change store(ClusterTarget target, Map<String, String> changes, boolean replaceAll) throws Exception {
        PrimaryDatabase primary = PrimaryDatabase.of(target);
        try (ZooKeeperClusterStore store = target.openStore(); Connection connection = primary.open("postgres")) {
            ClusterParameters parameters = new ClusterParameters(store);
            return replaceAll ? parameters.replaceAll(changes, connection) : parameters.set(changes, connection);
        }
    }

    static void report(ClusterParameters.Change change, PrintWriter out) {
        if (change.changed().isEmpty()) {
            out.println("nothing changed: the cluster's parameters already are so");
        } else {
            out.println("stored " + String.join(", ", change.changed()) + "; every member applies it within a pass");
            if (!change.needRestart().isEmpty()) {
                out.println(String.join(", ", change.needRestart()) + " take effect only at a restart: pgmanager restart --pending");
            }
        }
        out.flush();
    }
}
