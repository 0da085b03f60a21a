package dev.pgmanager.platform.flyctl;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * flyctl's {@code fly pg} commands for an image that is not postgres-flex (its {@code fly.pg-manager} label is not
 * {@code repmgr}), call for call, as {@code superfly/flyctl}'s {@code internal/command/postgres/*.go} and
 * {@code flypg/*.go} make them: the leader is the machine whose check named {@code role} passes with the output
 * {@code primary} or {@code leader}; the API is plain HTTP on port 5500; answers are decoded as Go's encoding/json
 * decodes them into flyctl's types (field names matched case-insensitively, unknown fields ignored); an error is
 * {@code <status>: <message>}, the message read from {@code {"error"}} only when the content type is exactly
 * {@code application/json}; 502 and 503 are retried three times. What flyctl does on Fly's own API (secrets,
 * attachments, machine leases) is the caller's: this class covers what reaches the machines.
 */
public final class FlyctlStandIn {
    /** How flyctl's types decode: Go's encoding/json rules. */
    static final ObjectMapper GO_JSON = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final String FLYPG_PORT_NOTE = "flyctl dials <private ip>:5500";

    /** A machine as flyctl sees it from Fly's API: its ID, its private address, where its 5500 is, its role check. */
    public record Machine(String id, String privateIp, String flyApi, Check role) {}

    /** A machine check as Fly reports it: passing when the HTTP check answered 2xx, with the body as its output. */
    public record Check(String status, String output) {
        public boolean passing() {
            return status.equals("passing");
        }
    }

    /** How flyctl runs a command inside a machine (SSH, or the machines exec API): the command's standard output. */
    @FunctionalInterface
    public interface Shell {
        String run(Machine machine, String command) throws Exception;
    }

    // flypg/types.go, field for field
    public record PostgresUser(String Username, boolean Superuser, List<String> Databases) {}
    public record UserListResponse(List<PostgresUser> Result) {}
    public record FindUserResponse(PostgresUser Result) {}
    public record PostgresDatabase(String Name, List<String> Users) {}
    public record DatabaseListResponse(List<PostgresDatabase> Result) {}
    public record FindDatabaseResponse(PostgresDatabase Result) {}
    public record PGSetting(String name, String setting, String vartype, String min_val, String max_val, List<String> enumvals,
            String context, String unit, String short_desc, String pending_change, boolean pending_restart) {}
    public record PGSettings(List<PGSetting> settings) {}
    public record SettingsViewResponse(PGSettings Result) {}
    public record CommandResponse(boolean success, String message, String data) {}

    /** flypg.Error: {@code <status>: <message>}. */
    public static final class FlypgError extends RuntimeException {
        public final int status;
        public final String err;

        FlypgError(int status, String err) {
            super(status + ": " + err);
            this.status = status;
            this.err = err;
        }
    }

    /** internal/command/postgres/config.go's pgSettings: flag name to parameter, the only ones flyctl changes. */
    public static final Map<String, String> PG_SETTINGS = Map.of("wal-level", "wal_level", "max-wal-senders", "max_wal_senders",
            "max-replication-slots", "max_replication_slots", "max-connections", "max_connections", "work-mem", "work_mem",
            "maintenance-work-mem", "maintenance_work_mem", "shared-buffers", "shared_buffers", "log-statement", "log_statement",
            "log-min-duration-statement", "log_min_duration_statement", "shared-preload-libraries", "shared_preload_libraries");

    private final Supplier<List<Machine>> machines;
    private final Shell shell;
    private final HttpClient http;

    /**
     * @param machines the app's active machines with their checks now (flyctl's mach.ListActive)
     * @param shell how a command runs inside a machine
     * @param from the address flyctl's WireGuard peer has on the private network (null: the system's choice)
     */
    public FlyctlStandIn(Supplier<List<Machine>> machines, Shell shell, java.net.InetAddress from) {
        this.machines = machines;
        this.shell = shell;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        this.http = (from == null ? builder : builder.localAddress(from)).build();
    }

    /** Fly's HTTP machine check of {@code path} on a machine's 5500: passing on 2xx, its body the output. */
    public static Check check(HttpClient http, String flyApi, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + flyApi + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return new Check(r.statusCode() / 100 == 2 ? "passing" : "critical", r.body());
        } catch (IOException e) {
            return new Check("critical", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check("critical", "interrupted");
        }
    }

    // ---- postgres.go

    static String machineRole(Machine m) {
        return m.role() == null ? "unknown" : m.role().passing() ? m.role().output() : "error";
    }

    static boolean isLeader(Machine m) {
        return machineRole(m).equals("leader") || machineRole(m).equals("primary");
    }

    /** pickLeader: the first machine whose role check says leader or primary. */
    public Machine pickLeader() {
        return machines.get().stream().filter(FlyctlStandIn::isLeader).findFirst()
                .orElseThrow(() -> new IllegalStateException("no active leader found"));
    }

    // ---- flypg/pg.go, against the leader

    public List<PostgresUser> listUsers() {
        return get(pickLeader(), "/commands/users/list", null, UserListResponse.class).Result();
    }

    public List<PostgresDatabase> listDatabases() {
        return get(pickLeader(), "/commands/databases/list", null, DatabaseListResponse.class).Result();
    }

    public void createUser(String name, String password, boolean superuser) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("username", name);
        in.put("password", password);
        in.put("superuser", superuser);
        request(pickLeader(), "POST", "/commands/users/create", in, null);
    }

    public void deleteUser(String name) {
        request(pickLeader(), "DELETE", "/commands/users/delete/" + name, null, null);
    }

    public void createDatabase(String name) {
        request(pickLeader(), "POST", "/commands/databases/create", Map.of("name", name), null);
    }

    public boolean databaseExists(String name) {
        try {
            return get(pickLeader(), "/commands/databases/" + name, null, FindDatabaseResponse.class).Result().Name().equals(name);
        } catch (FlypgError e) {
            if (e.status == 404) return false;
            throw e;
        }
    }

    public boolean userExists(String name) {
        try {
            return get(pickLeader(), "/commands/users/" + name, null, FindUserResponse.class).Result().Username().equals(name);
        } catch (FlypgError e) {
            if (e.status == 404) return false;
            throw e;
        }
    }

    /** ViewSettings with the stolon manager (an image that is not flex): GET /commands/admin/settings/view with a body. */
    public PGSettings viewSettings(List<String> settings) {
        return get(pickLeader(), "/commands/admin/settings/view", settings, SettingsViewResponse.class).Result();
    }

    // ---- commands

    /** fly pg attach, the machine side of runAttachCluster: returns the connection string it would set as a secret. */
    public String attach(String pgApp, String appName, String databaseName, String databaseUser, boolean superuser) {
        String dbName = databaseName == null ? appName : databaseName;
        String dbUser = (databaseUser == null ? appName : databaseUser).replace("-", "_").toLowerCase(Locale.ROOT);
        dbName = dbName.replace("-", "_").toLowerCase(Locale.ROOT);
        boolean dbExists = databaseExists(dbName);
        if (userExists(dbUser)) {
            throw new IllegalStateException("database user \"" + dbUser + "\" already exists. Please specify a new database user via --database-user");
        }
        if (!dbExists) createDatabase(dbName);
        String password = randString(15);
        createUser(dbUser, password, superuser);
        return "postgres://" + dbUser + ":" + password + "@" + pgApp + ".flycast:5432/" + dbName + "?sslmode=disable";
    }

    /** fly pg detach, the machine side of detachAppFromPostgres: drops the attachment's user if it exists. */
    public void detach(String databaseUser) {
        if (userExists(databaseUser)) deleteUser(databaseUser);
    }

    /**
     * fly pg config update for the stolon manager: reads the settings, validates the values as validateConfigValue
     * does, then runs {@code stolonctl-run <base64 of update --patch '<json>'>} on the leader.
     *
     * @param flags flag name (as in {@link #PG_SETTINGS}) to value
     * @return whether a restart is required (a changed setting of context postmaster)
     */
    public boolean configUpdate(Map<String, String> flags) throws Exception {
        Map<String, String> changes = new LinkedHashMap<>();
        flags.forEach((flag, value) -> changes.put(PG_SETTINGS.get(flag), value));
        PGSettings settings = viewSettings(new ArrayList<>(changes.keySet()));
        boolean restart = false;
        for (PGSetting s : settings.settings()) {
            String value = changes.get(s.name());
            if (value == null) continue;
            validateConfigValue(s, s.name(), value);
            if (!s.setting().equals(value) && "postmaster".equals(s.context())) restart = true;
        }
        String patch = GO_JSON.writeValueAsString(Map.of("pgParameters", changes));
        String command = "stolonctl-run " + Base64.getEncoder().encodeToString(("update --patch '" + patch + "'").getBytes(StandardCharsets.UTF_8));
        CommandResponse response = GO_JSON.readValue(shell.run(pickLeader(), command), CommandResponse.class);
        if (!response.success()) throw new IllegalStateException(response.message());
        return restart;
    }

    /** fly pg failover for an image that is not flex: GET /commands/admin/failover/trigger on the leader. */
    public void failover() {
        if (machines.get().size() <= 1) throw new IllegalStateException("failover is not available for standalone postgres");
        request(pickLeader(), "GET", "/commands/admin/failover/trigger", null, null);
    }

    /** fly pg connect: {@code connect <database> <user> <password>} inside the leader. */
    public String connect(String database, String user, String password, String stdin) throws Exception {
        return shell.run(pickLeader(), "connect " + database + " " + user + " " + password + (stdin == null ? "" : " <<'SQL'\n" + stdin + "\nSQL"));
    }

    /** validateConfigValue from config_update.go. */
    static void validateConfigValue(PGSetting s, String key, String val) {
        switch (s.vartype()) {
            case "enum" -> {
                if (!s.enumvals().contains(val)) {
                    throw new IllegalArgumentException("invalid value specified for " + key + ". Received: " + val + ", Accepted values: ["
                            + String.join(", ", s.enumvals()) + "]");
                }
            }
            case "integer" -> {
                int min = Integer.parseInt(s.min_val());
                int max = Integer.parseInt(s.max_val());
                int v = Integer.parseInt(val);
                if (v < min || v > max) throw new IllegalArgumentException("invalid value specified for " + key);
            }
            case "real" -> {
                double v = Double.parseDouble(val);
                if (v < Double.parseDouble(s.min_val()) || v > Double.parseDouble(s.max_val())) {
                    throw new IllegalArgumentException("invalid value specified for " + key);
                }
            }
            case "bool" -> {
                if (!val.equals("on") && !val.equals("off")) throw new IllegalArgumentException("invalid value specified for " + key);
            }
            default -> { }
        }
    }

    // ---- flypg/http.go

    private <T> T get(Machine m, String path, Object in, Class<T> out) {
        return request(m, "GET", path, in, out);
    }

    /** Client.Do: JSON in, JSON out; 502 and 503 (and connection errors) retried three times, as rehttp does. */
    public <T> T request(Machine m, String method, String path, Object in, Class<T> out) {
        for (int attempt = 0; ; attempt++) {
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + m.flyApi() + path)).timeout(Duration.ofSeconds(60));
                if (in != null) {
                    request.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofByteArray(GO_JSON.writeValueAsBytes(in)));
                } else {
                    request.method(method, HttpRequest.BodyPublishers.noBody());
                }
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if ((status == 502 || status == 503) && attempt < 3) {
                    Thread.sleep(100L << attempt);
                    continue;
                }
                if (status > 299) throw error(status, response);
                return out == null ? null : GO_JSON.readValue(response.body(), out);
            } catch (ConnectException e) {
                if (attempt >= 3) throw new IllegalStateException(FLYPG_PORT_NOTE + ": " + e, e);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** newError: the JSON "error" field when the content type is exactly application/json, else the body. */
    private static FlypgError error(int status, HttpResponse<String> response) throws IOException {
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (type.equals("application/json")) {
            return new FlypgError(status, GO_JSON.readTree(response.body()).path("error").asText());
        }
        return new FlypgError(status, response.body());
    }

    private static String randString(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).substring(0, n);
    }
}
