package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.sidecar.loop.OperatorRequests;
import dev.pgmanager.store.MachineIds;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Sends an operator command to one member's sidecar API, found as the sidecars find each other: its API port from
 * its member record, its address from DNS at this moment (never from a file, since a migrated machine moves).
 */
final class MemberApi {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** Work on a member's own server is answered when done; the member itself stops waiting a minute sooner. */
    static final Duration LOCAL_WORK_TIMEOUT = OperatorRequests.LOCAL_WORK_WAIT.plusMinutes(1);

    private MemberApi() {}

    /**
     * POSTs {@code path} to the member's API with the target's token.
     *
     * @return the member's message when it accepted (HTTP 202)
     * @throws CommandFailed when the member is unknown, cannot be reached, refuses (409) or rejects the token (401)
     */
    static String post(ClusterTarget target, String machineId, String path) throws InterruptedException {
        return post(target, machineId, path, "", REQUEST_TIMEOUT);
    }

    /**
     * As {@link #post(ClusterTarget, String, String)}, with a JSON body (or "") and waiting up to {@code timeout} for
     * the answer: the member answers work on its own server (restart, reinit, rejoin) once it is done.
     */
    static String post(ClusterTarget target, String machineId, String path, String body, Duration timeout) throws InterruptedException {
        return messageOf(postForJson(target, machineId, path, body, timeout).toString());
    }

    /** As {@link #post(ClusterTarget, String, String, String, Duration)}, answering the member's whole JSON answer. */
    static JsonNode postForJson(ClusterTarget target, String machineId, String path, String body, Duration timeout)
            throws InterruptedException {
        MachineIds.requireValid(machineId);
        Member member;
        try (ZooKeeperClusterStore store = target.openStore()) {
            member = store.read().member(machineId).orElseThrow(() -> new CommandFailed(machineId
                    + " is not a member of cluster " + target.target().cluster() + " (or its sidecar is not running); see pgmanager list"));
        }
        InetAddress address = target.addresses().resolve(MachineId.of(machineId)).orElseThrow(() -> new CommandFailed(
                machineId + " does not resolve in DNS now: is the machine running? (see pgmanager list)"));
        URI uri = uri(address, member.apiPort(), path);

        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .POST(body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (!body.isEmpty()) request.header("Content-Type", "application/json");
        target.target().token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build()) {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CommandFailed("cannot reach the API of " + machineId + " at " + uri + ": " + describe(e), e);
        }
        String message = messageOf(response.body());
        return switch (response.statusCode()) {
            case 200, 202 -> {
                JsonNode json = Json.readOrNull(response.body());
                yield json != null ? json : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("message", message);
            }
            case 409 -> throw new CommandFailed(machineId + " refused: " + message);
            case 401 -> throw new CommandFailed(machineId + " did not accept the API token (" + message + "); token used: "
                    + target.target().tokenSource() + "; give the members' token with " + ClusterTarget.TOKEN_SETTINGS);
            default -> throw new CommandFailed(machineId + " answered HTTP " + response.statusCode() + " from " + uri + ": " + message);
        };
    }

    private static URI uri(InetAddress address, int port, String path) {
        try {
            // this constructor puts an IPv6 address in brackets, as a URL needs
            return new URI("http", null, address.getHostAddress(), port, path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot form the API URL of " + HostPort.of(address, port), e);
        }
    }

    /** The API answers {@code {"message": ...}} or {@code {"error": ...}}; anything else is shown as it came. */
    private static String messageOf(String body) {
        JsonNode json = Json.readOrNull(body);
        if (json == null) return body.isBlank() ? "no message" : body.strip();
        JsonNode message = json.hasNonNull("error") ? json.get("error") : json.path("message");
        return message.isTextual() ? message.asText() : body.strip();
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
