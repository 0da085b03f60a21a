package dev.pgmanager.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pgmanager Fly app played by Docker: members are containers of the image on a user-defined IPv6 network whose
 * prefix lies in fdaa::/16 (Fly's private network, which the sidecar's default pg_hba admits). Each member has its
 * machine ID (FLY_MACHINE_ID) and {@code <id>.vm.<app>.internal} as its network alias, so Docker's embedded DNS
 * (127.0.0.11 in every container) answers what Fly's fdaa::3 would. The store is a ZooKeeper in a container of the
 * same image ({@code pgmanager store serve}), as a separate store app would be on Fly. Stop signal and timeout come
 * from fly.toml. Closing removes every container and the network, and keeps each container's log under target/.
 */
final class FlyAppInDocker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlyAppInDocker.class);
    static final String SUPERUSER_PASSWORD = "container-test-su";
    /** The role postgres's password, as fly pg create sets OPERATOR_PASSWORD. */
    static final String OPERATOR_PASSWORD = "container-test-operator";
    static final int API_PORT = 8008;
    /** The flyctl API and Fly's checks (the image serves it). */
    static final int FLY_API_PORT = 5500;
    static final int ROUTER_PORT = 5432;
    static final int PG_PORT = 5433;
    private static final Path LOGS = Path.of("target", "container-logs");

    private final DockerClient docker = DockerEngine.client();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String image;
    private final String app;
    private final String prefix;
    private final String networkId;
    private final String killSignal;
    private final int killTimeoutSeconds;
    private final List<String> checkPaths;
    private final String storeContainer;
    private final Map<String, String> members = new LinkedHashMap<>();
    private final List<String> containers = new ArrayList<>();
    private int nextHost = 0x10;

    FlyAppInDocker(String image, int memberCount) throws IOException {
        this(image, memberCount, Optional.empty());
    }

    /** An app whose members are machines of {@code memberMemoryBytes} each (memory and swap), as Fly sizes them. */
    FlyAppInDocker(String image, int memberCount, Optional<Long> memberMemoryBytes) throws IOException {
        this.image = image;
        SecureRandom random = new SecureRandom();
        String suffix = HexFormat.of().formatHex(random.generateSeed(3));
        this.app = "pgct-" + suffix;
        // a /64 of fdaa::/16 chosen at random, so that test runs side by side never share addresses
        this.prefix = "fdaa:%x:%x:%x::".formatted(random.nextInt(0x10000), random.nextInt(0x10000), random.nextInt(0x10000));
        JsonNode fly = new TomlMapper().readTree(Path.of("../fly.toml").toFile());
        this.killSignal = fly.path("kill_signal").asText();
        this.killTimeoutSeconds = fly.path("kill_timeout").asInt();
        List<String> paths = new ArrayList<>();
        fly.path("checks").forEach(check -> paths.add(check.path("path").asText()));
        this.checkPaths = List.copyOf(paths);
        this.networkId = docker.createNetworkCmd().withName(app).withDriver("bridge").withEnableIpv6(true)
                .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(prefix + "/64")))
                .exec().getId();
        try {
            this.storeContainer = create(app + "-store", storeAlias(), nextAddress(), List.of(),
                    List.of("store", "serve", "--listen", "[::]:2181", "--data-dir", "/data/zookeeper"), Optional.empty());
            docker.startContainerCmd(storeContainer).exec();
            for (int i = 0; i < memberCount; i++) {
                String machineId = HexFormat.of().formatHex(random.generateSeed(7));
                members.put(machineId, create(app + "-" + machineId, aliasOf(machineId), nextAddress(), memberEnvironment(machineId),
                        List.of("run"), memberMemoryBytes));
            }
            members.values().forEach(id -> docker.startContainerCmd(id).exec());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The paths of fly.toml's machine checks on the sidecar's API. */
    List<String> checkPaths() {
        return checkPaths;
    }

    String app() {
        return app;
    }

    List<String> machineIds() {
        return List.copyOf(members.keySet());
    }

    String aliasOf(String machineId) {
        return machineId + ".vm." + app + ".internal";
    }

    /** The member's current address on the app's network, as the host reaches it. */
    String addressOf(String machineId) {
        ContainerNetwork network = inspect(machineId).getNetworkSettings().getNetworks().get(app);
        if (network == null || network.getGlobalIPv6Address() == null || network.getGlobalIPv6Address().isBlank()) {
            throw new IllegalStateException(machineId + " is not on the network " + app);
        }
        return network.getGlobalIPv6Address();
    }

    boolean isRunning(String machineId) {
        return Boolean.TRUE.equals(inspect(machineId).getState().getRunning());
    }

    /** The member's flyctl API (port 5500) as flyctl dials it. */
    String flyApiOf(String machineId) {
        return "[" + addressOf(machineId) + "]:" + FLY_API_PORT;
    }

    /** The labels of the image the members run. */
    Map<String, String> imageLabels() {
        return docker.inspectImageCmd(image).exec().getConfig().getLabels();
    }

    /**
     * The HTTP status of {@code GET path} on the member's sidecar API (Fly's checks, {@code /flycheck/...}, on the flyctl
     * API's port); 0 when it does not answer.
     */
    int status(String machineId, String path) {
        return get(machineId, path).map(HttpResponse::statusCode).orElse(0);
    }

    /** The body of {@code GET path} on the member's sidecar API when it answers 200. */
    Optional<String> body(String machineId, String path) {
        return get(machineId, path).filter(response -> response.statusCode() == 200).map(HttpResponse::body);
    }

    /** The body of {@code GET path} on the member's sidecar API, whatever its status. */
    Optional<String> bodyOf(String machineId, String path) {
        return get(machineId, path).map(HttpResponse::body);
    }

    private Optional<HttpResponse<String>> get(String machineId, String path) {
        try {
            int port = path.startsWith("/flycheck/") ? FLY_API_PORT : API_PORT;
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://[" + addressOf(machineId) + "]:" + port + path))
                    .timeout(Duration.ofSeconds(2)).GET().build();
            return Optional.of(http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Stops the member as Fly stops a machine: its kill signal, then SIGKILL after kill_timeout.
     *
     * @return the container's exit code
     */
    long stop(String machineId) {
        docker.stopContainerCmd(members.get(machineId)).withTimeout(killTimeoutSeconds).exec();
        return inspect(machineId).getState().getExitCodeLong();
    }

    /** Kills the member's container at once (SIGKILL to everything in it), as a machine that dies. */
    void kill(String machineId) {
        docker.killContainerCmd(members.get(machineId)).exec();
    }

    /** Whether the engine's OOM killer ended a process of the member's container. */
    boolean oomKilled(String machineId) {
        return Boolean.TRUE.equals(inspect(machineId).getState().getOOMKilled());
    }

    void start(String machineId) {
        docker.startContainerCmd(members.get(machineId)).exec();
    }

    /**
     * What a Fly migration does to a machine: stopped with its kill signal, moved (here: disconnected from the network
     * and connected again with the next unused address), started again with the same machine ID and volume.
     *
     * @return the new address
     */
    String migrate(String machineId) {
        String container = members.get(machineId);
        stop(machineId);
        docker.disconnectFromNetworkCmd().withNetworkId(networkId).withContainerId(container).exec();
        String address = nextAddress();
        docker.connectToNetworkCmd().withNetworkId(networkId).withContainerId(container)
                .withContainerNetwork(new ContainerNetwork().withAliases(aliasOf(machineId))
                        .withIpamConfig(new ContainerNetwork.Ipam().withIpv6Address(address)))
                .exec();
        start(machineId);
        return address;
    }

    /** Runs a command inside the member's container ({@code docker exec}), with the container's environment. */
    ExecResult exec(String machineId, String... command) throws InterruptedException {
        String execId = docker.execCreateCmd(members.get(machineId)).withCmd(command)
                .withAttachStdout(true).withAttachStderr(true).exec().getId();
        StringBuilder stdout = new StringBuilder();
        StringBuilder stderr = new StringBuilder();
        docker.execStartCmd(execId).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                String text = new String(frame.getPayload(), StandardCharsets.UTF_8);
                switch (frame.getStreamType()) {
                    case STDERR -> stderr.append(text);
                    default -> stdout.append(text);
                }
            }
        }).awaitCompletion(120, TimeUnit.SECONDS);
        Long exitCode = docker.inspectExecCmd(execId).exec().getExitCodeLong();
        return new ExecResult(exitCode == null ? -1 : exitCode, stdout.toString(), stderr.toString());
    }

    record ExecResult(long exitCode, String stdout, String stderr) {}

    /** The container's log so far. */
    String logOf(String machineId) throws InterruptedException {
        return logs(members.get(machineId));
    }

    /**
     * A container as Fly runs a machine: root in a Firecracker VM has every capability, and the sidecar uses
     * CAP_SYS_NICE (its CPU share above PostgreSQL's), which Docker leaves out by default.
     */
    private String create(String name, String alias, String address, List<String> environment, List<String> command,
            Optional<Long> memoryBytes) {
        HostConfig host = HostConfig.newHostConfig().withNetworkMode(app).withCapAdd(Capability.SYS_NICE);
        memoryBytes.ifPresent(bytes -> host.withMemory(bytes).withMemorySwap(bytes));
        String id = docker.createContainerCmd(image).withName(name)
                .withHostName(name.length() > 63 ? name.substring(0, 63) : name)
                .withEnv(environment)
                .withCmd(command)
                .withStopSignal(killSignal)
                .withStopTimeout(killTimeoutSeconds)
                .withHostConfig(host)
                .withAliases(alias)
                .withIpv6Address(address)
                .exec().getId();
        containers.add(id);
        return id;
    }

    private List<String> memberEnvironment(String machineId) {
        return List.of(
                "FLY_MACHINE_ID=" + machineId,
                "FLY_APP_NAME=" + app,
                "FLY_REGION=ams",
                "PRIMARY_REGION=ams",
                "SU_PASSWORD=" + SUPERUSER_PASSWORD,
                "REPL_PASSWORD=container-test-repl",
                "OPERATOR_PASSWORD=" + OPERATOR_PASSWORD,
                "PGMANAGER_STORE=" + storeAlias() + ":2181",
                // Docker's DNS cannot list the organization's machines (_instances.internal) as Fly's does, so the flyctl
                // API's changing calls are admitted from the whole network here; FlyctlCompatibilityTest covers the
                // default, which admits WireGuard peers and refuses machines
                "PGMANAGER_FLY_API_ADMIN_FROM=network",
                // logs for machines (a log shipper), so that the tests see every line the image writes in that format
                "PGMANAGER_LOG_FORMAT=json");
    }

    private String storeAlias() {
        return "zk.vm." + app + "-store.internal";
    }

    private String nextAddress() {
        return prefix + Integer.toHexString(nextHost++);
    }

    private InspectContainerResponse inspect(String machineId) {
        return docker.inspectContainerCmd(members.get(machineId)).exec();
    }

    private String logs(String container) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        docker.logContainerCmd(container).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                text.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        return text.toString();
    }

    @Override
    public void close() {
        for (String container : containers) {
            try {
                Files.createDirectories(LOGS);
                String name = docker.inspectContainerCmd(container).exec().getName().replaceFirst("^/", "");
                Files.writeString(LOGS.resolve(name + ".log"), logs(container));
            } catch (IOException | RuntimeException e) {
                log.warn("could not keep the log of {}: {}", container, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                docker.removeContainerCmd(container).withForce(true).withRemoveVolumes(true).exec();
            } catch (RuntimeException e) {
                log.warn("could not remove container {}: {}", container, e.getMessage());
            }
        }
        try {
            docker.removeNetworkCmd(networkId).exec();
        } catch (RuntimeException e) {
            log.warn("could not remove network {}: {}", app, e.getMessage());
        }
    }
}
