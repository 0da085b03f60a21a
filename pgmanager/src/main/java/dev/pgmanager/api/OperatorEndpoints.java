package dev.pgmanager.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pgmanager.api.OperatorCommands.Result;
import dev.pgmanager.store.MachineIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands an operator sends: each checks the token first (so an anonymous caller learns nothing, not even
 * whether its input was valid), then its input, then hands over to {@link OperatorCommands}.
 */
final class OperatorEndpoints {
    private static final Logger log = LoggerFactory.getLogger(OperatorEndpoints.class);

    private final OperatorCommands commands;
    private final BearerAuth auth;

    OperatorEndpoints(OperatorCommands commands, BearerAuth auth) {
        this.commands = commands;
        this.auth = auth;
    }

    ApiResponse switchover(ApiRequest request) {
        auth.require(request);
        Optional<String> to = target(optionalObject(request, "{\"to\": \"<machine id>\"}", "to"));
        return run(request, "switchover" + to.map(t -> " to " + t).orElse(""), () -> commands.switchover(to));
    }

    ApiResponse failover(ApiRequest request) {
        auth.require(request);
        String example = "{\"to\": \"<machine id>\", \"force\": false}";
        JsonNode body = optionalObject(request, example, "to", "force");
        String to = target(body).orElseThrow(() -> ApiError.badRequest("a failover needs a target: send " + example));
        boolean force = flag(body, "force");
        return run(request, "failover to " + to + (force ? ", forced" : ""), () -> commands.failover(to, force));
    }

    ApiResponse restart(ApiRequest request) {
        auth.require(request);
        return run(request, "restart", commands::restart);
    }

    ApiResponse reinit(ApiRequest request) {
        auth.require(request);
        boolean discardOld = discardOld(request);
        return run(request, discardOld ? "reinit, discarding the old data" : "reinit", () -> commands.reinit(discardOld));
    }

    ApiResponse rejoin(ApiRequest request) {
        auth.require(request);
        return run(request, "rejoin", commands::rejoin);
    }

    ApiResponse pause(ApiRequest request) {
        auth.require(request);
        return run(request, "pause", commands::pause);
    }

    ApiResponse resume(ApiRequest request) {
        auth.require(request);
        return run(request, "resume", commands::resume);
    }

    private static ApiResponse run(ApiRequest request, String what, Supplier<Result> command) {
        Result result = command.get();
        // Operator commands change the cluster: leave a trace of who asked and what came of it.
        log.info("operator at {} asked for {}: {}: {}", request.remote(), what,
                result.accepted() ? "accepted" : "refused", result.message());
        if (result.accepted()) {
            return ApiResponse.json(202, Json.object().put("accepted", true).put("message", result.message()));
        }
        return ApiResponse.json(409, Json.object().put("accepted", false).put("error", result.message())
                .put("message", result.message()));
    }

    /** The optional {@code {"discard_old": true}} body of a reinit. */
    private static boolean discardOld(ApiRequest request) {
        return flag(optionalObject(request, "{\"discard_old\": true}", "discard_old"), "discard_old");
    }

    /**
     * The request's JSON object body, or null when it has none. A field not in {@code fields} is refused: a misspelt
     * "target" silently ignored would turn a switchover to a chosen member into one to whoever ranks best.
     */
    private static JsonNode optionalObject(ApiRequest request, String example, String... fields) {
        if (new String(request.body(), StandardCharsets.UTF_8).isBlank()) return null;
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(request.body());
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the request body is not valid JSON: send " + example + " or nothing");
        } catch (IOException e) {
            throw ApiError.badRequest("the request body could not be read");
        }
        if (!body.isObject()) throw ApiError.badRequest("the request body must be a JSON object like " + example);
        List<String> known = List.of(fields);
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiError.badRequest("unknown field \"" + name + "\": " + (known.size() == 1
                        ? "the only field is \"" + known.getFirst() + "\""
                        : "the fields are " + known.stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "))));
            }
        }
        return body;
    }

    /** The body's {@code "to"}: a machine ID, or empty when absent. */
    private static Optional<String> target(JsonNode body) {
        JsonNode to = body == null ? null : body.path("to");
        if (to == null || to.isMissingNode() || to.isNull()) return Optional.empty();
        if (!to.isTextual()) throw ApiError.badRequest("\"to\" must be a machine ID as a string");
        try {
            return Optional.of(MachineIds.requireValid(to.textValue()));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    /** A true/false field of the body; false when absent. */
    private static boolean flag(JsonNode body, String name) {
        JsonNode value = body == null ? null : body.path(name);
        if (value == null || value.isMissingNode() || value.isNull()) return false;
        if (!value.isBoolean()) throw ApiError.badRequest("\"" + name + "\" must be true or false");
        return value.booleanValue();
    }
}
