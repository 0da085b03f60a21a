package dev.pgmanager.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.doctor.DoctorTarget.KnownMember;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.AddressRecord;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.CorruptRecordException;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.zookeeper.EnsembleConfig;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Gathers a {@link ClusterFacts} from every side it can reach, each member at once: the store (and each of its
 * servers), DNS, each member's API and each member's PostgreSQL. Nothing here judges; a side that does not answer is
 * recorded with why.
 */
public final class FactGatherer {
    static final Duration STORE_WAIT = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration API_TIMEOUT = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DoctorTarget target;

    public FactGatherer(DoctorTarget target) {
        this.target = target;
    }

    public ClusterFacts gather() {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Map<String, Optional<String>>> servers = pool.submit(this::probeStoreServers);
            StoreFacts store = readStore(servers);
            TreeSet<String> ids = new TreeSet<>(target.known().keySet());
            store.snapshot().ifPresent(s -> ids.addAll(s.members().keySet()));
            Map<String, Future<MemberFacts>> members = new LinkedHashMap<>();
            for (String id : ids) members.put(id, pool.submit(() -> member(id, store.snapshot())));
            Map<String, MemberFacts> facts = new TreeMap<>();
            members.forEach((id, f) -> facts.put(id, join(f)));
            return new ClusterFacts(target.cluster(), store, new TreeMap<>(facts), target.fixes(), target.hostnameOf(),
                    target.machineIdOfName());
        }
    }

    private StoreFacts readStore(Future<Map<String, Optional<String>>> servers) {
        Optional<ClusterSnapshot> snapshot = Optional.empty();
        Optional<String> error = Optional.empty();
        Map<String, List<AddressRecord>> history = Map.of();
        Optional<EnsembleStatus.Report> ensemble = Optional.empty();
        Optional<String> unreadable = Optional.empty();
        try (ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(target.storeConnect(),
                target.cluster()).withSecret(target.storeSecret()).withStartupWait(STORE_WAIT))) {
            snapshot = Optional.of(store.read());
            history = addressHistory(store);
            ensemble = ensemble(store);
        } catch (CorruptRecordException e) {
            error = Optional.of(describe(e));
            unreadable = Optional.of(e.location());
        } catch (RuntimeException e) {
            error = Optional.of(describe(e));
        }
        return new StoreFacts(target.storeConnect(), snapshot, error, join(servers), history, ensemble, unreadable);
    }

    /** Each peer asked directly, when the store is an ensemble; a failure to learn it must not hide the snapshot. */
    private static Optional<EnsembleStatus.Report> ensemble(ZooKeeperClusterStore store) {
        try {
            EnsembleConfig peers = store.ensembleConfig();
            return peers.isEmpty() ? Optional.empty() : Optional.of(EnsembleStatus.probe(peers, PROBE_TIMEOUT));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The address history is for diagnostics only: a failure to read it must not hide the snapshot. */
    private static Map<String, List<AddressRecord>> addressHistory(ZooKeeperClusterStore store) {
        try {
            return store.readAddressHistory();
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    /** Whether each server of the connect string accepts a TCP connection (a quorum needs most of them). */
    private Map<String, Optional<String>> probeStoreServers() {
        String servers = target.storeConnect().contains("/")
                ? target.storeConnect().substring(0, target.storeConnect().indexOf('/'))
                : target.storeConnect();
        Map<String, Optional<String>> result = new TreeMap<>();
        for (String server : servers.split(",")) {
            HostPort hostPort = HostPort.parse(server);
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(hostPort.host(), hostPort.port()), (int) PROBE_TIMEOUT.toMillis());
                result.put(server, Optional.empty());
            } catch (IOException e) {
                result.put(server, Optional.of(describe(e)));
            }
        }
        return result;
    }

    private MemberFacts member(String id, Optional<ClusterSnapshot> snapshot) {
        Optional<Member> record = snapshot.flatMap(s -> s.member(id));
        Optional<KnownMember> known = Optional.ofNullable(target.known().get(id));
        Optional<InetAddress> dns = Optional.empty();
        Optional<String> dnsError = Optional.empty();
        try {
            dns = target.resolver().resolve(MachineId.of(id));
        } catch (RuntimeException e) {
            dnsError = Optional.of(describe(e));
        }
        Optional<String> address = dns.map(AddressText::of).or(() -> known.map(KnownMember::address));
        String source = dns.isPresent() ? "DNS" : known.isPresent() ? "the local cluster's file" : "nowhere";
        int databasePort = record.map(Member::databasePort).filter(p -> p > 0).or(() -> known.map(KnownMember::databasePort)).orElse(0);
        int apiPort = record.map(Member::apiPort).filter(p -> p > 0).or(() -> known.map(KnownMember::apiPort)).orElse(0);

        Optional<JsonNode> api = Optional.empty();
        Optional<String> apiError;
        if (address.isEmpty() || apiPort == 0) {
            apiError = Optional.of(address.isEmpty() ? "no address to reach it at" : "its API port is unknown");
        } else {
            try {
                api = Optional.of(getMember(address.get(), apiPort));
                apiError = Optional.empty();
            } catch (IOException | RuntimeException e) {
                apiError = Optional.of(describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                apiError = Optional.of("interrupted");
            }
        }

        Optional<ServerFacts> server = Optional.empty();
        Optional<String> serverError;
        if (target.superuser().isEmpty()) {
            serverError = Optional.of("no superuser password to connect with (set SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD)");
        } else if (address.isEmpty() || databasePort == 0) {
            serverError = Optional.of(address.isEmpty() ? "no address to reach it at" : "its PostgreSQL port is unknown");
        } else {
            try {
                server = Optional.of(PostgresReader.read(address.get(), databasePort, target.superuser().get()));
                serverError = Optional.empty();
            } catch (SQLException | RuntimeException e) {
                serverError = Optional.of(describe(e));
            }
        }
        return new MemberFacts(MachineId.of(id), record, dns, dnsError, address, source, databasePort, apiPort, api, apiError, server, serverError);
    }

    private static JsonNode getMember(String address, int port) throws IOException, InterruptedException {
        URI uri;
        try {
            uri = new URI("http", null, address, port, "/member", null, null);
        } catch (URISyntaxException e) {
            throw new IOException("cannot form the API URL of " + address + ":" + port, e);
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(API_TIMEOUT).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(API_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) throw new IOException(uri + " answered HTTP " + response.statusCode() + ": " + response.body());
            return JSON.readTree(response.body());
        }
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while gathering facts", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("gathering facts failed: " + describe(e.getCause()), e.getCause());
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.strip();
    }
}
