package dev.pgmanager.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgmanager.net.MachineId;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /failsafe {"leader": ID}}: a primary that cannot reach the store asks every member whether it still
 * follows it (failsafe mode). The token is required: a forged "yes" would keep a cut-off primary writing. The member
 * answers 200 only when its server is a replica of that machine ID, and then promises not to take the lease for a
 * session timeout; 409 with what it follows otherwise.
 */
final class FailsafeEndpoint {
    private static final Logger log = LoggerFactory.getLogger(FailsafeEndpoint.class);

    private final SidecarView view;
    private final BearerAuth auth;

    FailsafeEndpoint(SidecarView view, BearerAuth auth) {
        this.view = view;
        this.auth = auth;
    }

    ApiResponse confirm(ApiRequest request) {
        auth.require(request);
        MachineId leader = leader(request);
        Optional<String> refusal = view.promiseToFollow(leader);
        if (refusal.isPresent()) {
            log.info("{} asked whether I follow it (failsafe): no, {}", leader, refusal.get());
            return ApiResponse.json(409, Json.object().put("following", false).put("error", refusal.get()));
        }
        return ApiResponse.json(200, Json.object().put("following", true).put("leader", leader.value()));
    }

    private static MachineId leader(ApiRequest request) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(request.body());
        } catch (IOException e) {
            throw ApiError.badRequest("the request body must be {\"leader\": \"<machine id>\"}");
        }
        if (body == null || !body.path("leader").isTextual()) {
            throw ApiError.badRequest("the request body must be {\"leader\": \"<machine id>\"}");
        }
        try {
            return MachineId.of(body.get("leader").textValue());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }
}
