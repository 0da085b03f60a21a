package dev.pgmanager.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.postgres.ClusterParameters;
import dev.pgmanager.ha.Observation;
import dev.pgmanager.postgres.DatabaseAttachment;
import dev.pgmanager.postgres.ParameterCheck;
import dev.pgmanager.postgres.UsersAndDatabases;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code /commands} API flyctl calls on port 5500, with the request and answer shapes of flyctl's {@code flypg}
 * client: every answer is {@code {"result": ...}}, every error {@code {"error": "..."}} with a 4xx or 5xx status and
 * the content type {@code application/json} exactly (flyctl reads the message only then). Changing calls pass
 * {@link FlyAdmission} first.
 */
final class FlyCommands {
    /** How long a failover trigger waits for leadership to move before it answers. */
    private static final Duration FAILOVER_WAIT = Duration.ofSeconds(30);

    private final SidecarView view;
    private final Clock clock;
    private final UsersAndDatabases users;
    private final DatabaseAttachment.Connector connector;
    private final ClusterParameters parameters;
    private final OperatorCommands operator;
    private final FlyAdmission admission;

    FlyCommands(SidecarView view, Clock clock, UsersAndDatabases users, DatabaseAttachment.Connector connector,
            ClusterParameters parameters, OperatorCommands operator, FlyAdmission admission) {
        this.view = view;
        this.clock = clock;
        this.users = users;
        this.connector = connector;
        this.parameters = parameters;
        this.operator = operator;
        this.admission = admission;
    }

    ApiResponse listUsers(ApiRequest request) {
        return result(sql(() -> Json.MAPPER.valueToTree(users.users())));
    }

    ApiResponse getUser(ApiRequest request) {
        String name = request.lastSegment();
        return result(sql(() -> Json.MAPPER.valueToTree(users.user(name)
                .orElseThrow(() -> ApiError.of(404, "there is no role " + name)))));
    }

    ApiResponse createUser(ApiRequest request) {
        admission.requireAdmitted(request);
        JsonNode body = body(request);
        String name = text(body, "username");
        sql(() -> {
            users.createUser(name, text(body, "password"), body.path("superuser").asBoolean(false));
            return null;
        });
        return result(Json.MAPPER.getNodeFactory().booleanNode(true));
    }

    ApiResponse deleteUser(ApiRequest request) {
        admission.requireAdmitted(request);
        String name = request.lastSegment();
        sql(() -> {
            users.deleteUser(name);
            return null;
        });
        return result(Json.MAPPER.getNodeFactory().booleanNode(true));
    }

    ApiResponse listDatabases(ApiRequest request) {
        return result(sql(() -> Json.MAPPER.valueToTree(users.databases())));
    }

    ApiResponse getDatabase(ApiRequest request) {
        String name = request.lastSegment();
        return result(sql(() -> Json.MAPPER.valueToTree(users.database(name)
                .orElseThrow(() -> ApiError.of(404, "there is no database " + name)))));
    }

    ApiResponse createDatabase(ApiRequest request) {
        admission.requireAdmitted(request);
        String name = text(body(request), "name");
        sql(() -> {
            users.createDatabase(name);
            return null;
        });
        return result(Json.MAPPER.getNodeFactory().booleanNode(true));
    }

    ApiResponse role(ApiRequest request) {
        Observation o = view.lastPass().orElseThrow(() -> ApiError.of(503, "nothing observed yet")).observation();
        String role = o.local().isPrimary() && o.iLead() ? "primary" : o.local().isReplica() ? "replica" : "unknown";
        return result(Json.MAPPER.getNodeFactory().textNode(role));
    }

    /**
     * A planned switchover to the best replica, answered once leadership has moved (flyctl then waits for the checks to
     * agree); refused with 409 and the reason when no replica may take over.
     */
    ApiResponse failover(ApiRequest request) {
        admission.requireAdmitted(request);
        OperatorCommands.Result result = operator.switchover(Optional.empty());
        if (!result.accepted()) throw ApiError.of(409, result.message());
        Instant deadline = clock.instant().plus(FAILOVER_WAIT);
        while (clock.instant().isBefore(deadline)) {
            Optional<Observation> o = view.lastPass().map(p -> p.observation());
            Optional<dev.pgmanager.store.Leader> other = o.flatMap(Observation::otherLeader);
            if (other.isPresent()) {
                return result(Json.MAPPER.getNodeFactory().textNode("leadership moved to " + other.get().machineId()));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw ApiError.of(504, "the switchover was requested but leadership had not moved after " + FAILOVER_WAIT.toSeconds()
                + " s; pgmanager list shows where it stands");
    }

    /**
     * {@code pg_settings} for the names in the body (a JSON array), with each one's value in the cluster's parameters
     * as {@code pending_change} while this member's server has not applied it yet (a restart is pending).
     */
    ApiResponse viewSettings(ApiRequest request) {
        JsonNode body = body(request);
        if (!body.isArray()) throw ApiError.badRequest("the body must be a JSON array of setting names");
        List<String> names = new ArrayList<>();
        body.forEach(n -> names.add(n.asText()));
        Map<String, String> cluster = parameters.current();
        ArrayNode settings = Json.array();
        sql(() -> {
            try (Connection c = connector.open("postgres")) {
                for (ParameterCheck.Setting s : ParameterCheck.describe(c, names).values()) {
                    ObjectNode row = settings.addObject()
                            .put("name", s.name()).put("setting", s.setting()).put("vartype", s.vartype())
                            .put("context", s.context()).put("short_desc", s.description());
                    s.minimum().ifPresent(v -> row.put("min_val", v));
                    s.maximum().ifPresent(v -> row.put("max_val", v));
                    s.unit().ifPresent(v -> row.put("unit", v));
                    if (!s.choices().isEmpty()) s.choices().forEach(row.putArray("enumvals")::add);
                    if (s.pendingRestart()) {
                        row.put("pending_restart", true);
                        Optional.ofNullable(cluster.get(s.name())).ifPresent(v -> row.put("pending_change", v));
                    }
                }
            }
            return null;
        });
        return result(Json.object().set("settings", settings));
    }

    /** Checks and stores the changes (a JSON object of names to values) for the whole cluster. */
    ApiResponse updateSettings(ApiRequest request) {
        admission.requireAdmitted(request);
        JsonNode body = body(request);
        if (!body.isObject()) throw ApiError.badRequest("the body must be a JSON object of setting names and values");
        Map<String, String> changes = new LinkedHashMap<>();
        body.properties().forEach(e -> changes.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        if (changes.isEmpty()) throw ApiError.badRequest("no changes were given");
        ClusterParameters.Change change = sql(() -> {
            try (Connection c = connector.open("postgres")) {
                return parameters.set(changes, c);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(e.getMessage());
            }
        });
        String message = change.needRestart().isEmpty() ? "Updated"
                : "Updated, but settings " + String.join(", ", change.needRestart()) + " need a restart to apply";
        return result(Json.object().put("message", message).put("restart_required", !change.needRestart().isEmpty()));
    }

    /** Every member applies the cluster's parameters on its own within a pass; this only confirms the call. */
    ApiResponse applySettings(ApiRequest request) {
        admission.requireAdmitted(request);
        return result(Json.MAPPER.getNodeFactory().booleanNode(true));
    }

    private static ApiResponse result(JsonNode result) {
        return ApiResponse.json(200, Json.object().set("result", result));
    }

    private static JsonNode body(ApiRequest request) {
        if (request.body().length == 0) throw ApiError.badRequest("a JSON body is required");
        try {
            return Json.MAPPER.readTree(request.body());
        } catch (IOException e) {
            throw ApiError.badRequest("the body is not JSON: " + e.getMessage());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) throw ApiError.badRequest("\"" + field + "\" (a string) is required");
        return value.asText();
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /** Runs SQL on this member's server; a replica (read-only) or a stopped server answers 503, as a replica cannot serve. */
    private static <T> T sql(SqlWork<T> work) {
        try {
            return work.run();
        } catch (UsersAndDatabases.Refused e) {
            throw ApiError.of(e.status(), e.getMessage());
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.equals("25006")) throw ApiError.of(503, "this member is a replica: ask the primary (" + e.getMessage() + ")");
            if (state.startsWith("08")) throw ApiError.of(503, "PostgreSQL is not reachable here: " + e.getMessage());
            throw ApiError.of(500, "PostgreSQL refused: " + e.getMessage());
        }
    }
}
