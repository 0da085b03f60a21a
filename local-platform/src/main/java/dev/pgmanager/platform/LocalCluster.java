package dev.pgmanager.platform;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.config.Durations;
import dev.pgmanager.config.StoreConfig.StoreMode;
import dev.pgmanager.dns.DnsAddressResolver;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.net.FreePorts;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.dns.RegistryFile;
import dev.pgmanager.postgres.OsUser;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.zookeeper.ZooKeeperClusterStore;
import dev.pgmanager.store.zookeeper.ZooKeeperStoreSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real cluster on this machine: a platform process (ZooKeeper and DNS) and one sidecar process per member, each
 * member with its own address (IPv6 on {@code lo} as root, else 127.x.y.z), ports and data directory, and a machine
 * ID like Fly's. Everything lives under one directory; {@code pgmanager local} drives it.
 */
public final class LocalCluster {
    static final String APP = "local";
    /** How many members run a ZooKeeper peer in store mode ensemble. */
    static final int ENSEMBLE_SIZE = 3;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(60);
    /** How much of a member's log an error of {@code up} shows. */
    private static final int LOG_LINES_SHOWN = 20;
    /** Writes and reads the members' config files, which the sidecar reads with its own YAML reader. */
    private static final ObjectMapper MEMBER_CONFIG = new YAMLMapper();

    private final LocalLayout layout;

    private LocalCluster(Path dir) {
        this.layout = LocalLayout.of(dir);
    }

    public static LocalCluster at(Path dir) {
        return new LocalCluster(dir);
    }

    public Path dir() {
        return layout.dir();
    }

    public Optional<LocalClusterFile> file() {
        return LocalClusterFile.read(layout.dir());
    }

    /**
     * Creates the cluster if the directory holds none, starts whatever of it is not running, and waits until one
     * primary and {@code nodes - 1} streaming replicas exist.
     */
    public LocalStatus up(int nodes, Duration timeout, PrintStream progress) throws IOException {
        return up(nodes, NewClusterSettings.DEFAULTS, timeout, progress);
    }

    /** As {@link #up(int, Duration, PrintStream)}; a new cluster is created with {@code settings}. */
    public LocalStatus up(int nodes, NewClusterSettings settings, Duration timeout, PrintStream progress) throws IOException {
        if (nodes < 1 || nodes > 9) throw new IllegalArgumentException("--nodes must be between 1 and 9, was " + nodes);
        LocalClusterFile cluster = file().orElse(null);
        if (cluster == null) {
            if (settings.storeMode() == StoreMode.ENSEMBLE && nodes < ENSEMBLE_SIZE) {
                throw new IllegalArgumentException("--store ensemble needs at least " + ENSEMBLE_SIZE + " members (--nodes), was " + nodes);
            }
            requireReachableByPostgres(layout.dir());
            cluster = create(APP, nodes, settings, new Roles(secret(), secret()), progress);
            progress.println("created a " + nodes + "-member cluster in " + layout.dir()
                    + (cluster.ensembleMode() ? " (store mode ensemble: ZooKeeper peers in the first " + ENSEMBLE_SIZE + " members)" : ""));
        }
        SidecarAotCache.ensure(progress);
        startPlatform(cluster);
        for (LocalMember member : cluster.members()) startMember(cluster, member.machineId());
        return awaitHealthy(cluster, timeout);
    }

    /**
     * Creates and starts a cluster that is a standby of a primary outside it ({@code settings}' migration): its roles are
     * the source's, since its data is a copy of the source's ({@code replicationUser} is the source's replication role).
     * Returns once the members run, without waiting for a primary: there is none until the cut-over.
     */
    LocalClusterFile upAsStandby(int nodes, NewClusterSettings settings, Roles roles, String replicationUser, PrintStream progress)
            throws IOException {
        requireReachableByPostgres(layout.dir());
        LocalClusterFile cluster = create(APP, nodes, settings, roles, progress);
        for (LocalMember member : cluster.members()) {
            Path config = layout.memberConfig(member.machineId());
            @SuppressWarnings("unchecked")
            Map<String, Object> all = MEMBER_CONFIG.readValue(config.toFile(), LinkedHashMap.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> postgres = (Map<String, Object>) all.get("postgres");
            postgres.put("replication_user", replicationUser);
            MEMBER_CONFIG.writeValue(config.toFile(), all);
        }
        SidecarAotCache.ensure(progress);
        startPlatform(cluster);
        for (LocalMember member : cluster.members()) startMember(cluster, member.machineId());
        return cluster;
    }

    public LocalStatus status() {
        return LocalStatus.of(requireFile(), snapshot(requireFile()), this::sidecarPid, resolver(requireFile()));
    }

    /** Fills a new member's data directory before its first start. */
    @FunctionalInterface
    interface DataSeed {
        void fill(Path dataDirectory) throws IOException;
    }

    /**
     * Creates a one-member cluster named {@code app} in this (missing or empty) directory whose member starts on the
     * data {@code seed} puts in its data directory: with no leader and no identity in its new store, the member
     * starts it as a replica of nobody, takes the lease, promotes it (a new timeline) and records its identity. The
     * data holds its roles, so {@code roles} are the passwords they have there. If anything fails, what runs is
     * stopped and the directory (a copy and logs, nothing of the source) is kept for inspection.
     */
    LocalStatus createSeeded(String app, Optional<Duration> sessionTimeout, Roles roles, DataSeed seed, Duration timeout,
            PrintStream progress) throws IOException {
        requireReachableByPostgres(layout.dir());
        try {
            LocalClusterFile cluster = create(app, 1, NewClusterSettings.DEFAULTS.withSessionTimeout(sessionTimeout), roles, progress);
            seed.fill(layout.memberData(cluster.members().getFirst().machineId()));
            SidecarAotCache.ensure(progress);
            startPlatform(cluster);
            startMember(cluster, cluster.members().getFirst().machineId());
            return awaitHealthy(cluster, timeout);
        } catch (IOException | RuntimeException e) {
            down(false);
            throw new IllegalStateException(e.getMessage() + "; the new cluster is stopped and its files are kept in "
                    + layout.dir() + " for inspection: remove them (pgmanager local down --purge --dir " + layout.dir()
                    + ") before trying again", e);
        }
    }

    /**
     * Adds {@code count} members to the cluster, each with a new machine ID and the next unused addresses of its
     * network, starts them (they clone the leader) and waits until every member streams.
     */
    public LocalStatus add(int count, Duration timeout, PrintStream progress) throws IOException {
        LocalClusterFile cluster = requireFile();
        if (count < 1 || cluster.members().size() + count > 9) {
            throw new IllegalArgumentException("a local cluster has 1 to 9 members; it has " + cluster.members().size()
                    + ", so add 1 to " + (9 - cluster.members().size()));
        }
        startPlatform(cluster);
        Optional<Duration> sessionTimeout = sessionTimeoutOf(cluster.members().getFirst().machineId());
        List<LocalMember> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String address = nextUnusedAddress(cluster);
            if (HostPort.isIpv6(address)) LoopbackAddresses.ensure(address);
            LocalMember member = new LocalMember(machineId(), address, freePort(address), freePort(address), freePort("127.0.0.1"));
            cluster = cluster.adding(member);
            added.add(member);
        }
        // New members get the cluster's ha settings (synchronous replication, failsafe) from its first member.
        Map<String, Object> ha = haSectionOf(cluster.members().getFirst().machineId());
        Map<String, String> backups = backupScheduleOf(cluster.members().getFirst().machineId());
        for (LocalMember member : added) writeMemberConfig(cluster, member, sessionTimeout, ha, backups);
        // The platform links a member to the store as soon as cluster.json names it.
        cluster.write(layout.dir());
        for (LocalMember member : added) {
            pointDnsAt(member);
            progress.println("starting the new member " + member.machineId() + " at " + member.address());
            startMember(cluster, member.machineId());
        }
        return awaitHealthy(cluster, timeout);
    }

    /** Whether the member's PostgreSQL runs now. */
    boolean postgresRunning(String machineId) {
        return postmaster(machineId).isPresent();
    }

    /** The member's PostgreSQL data directory; its sidecar's own files (pgBackRest's among them) are beside it. */
    public Path memberData(String machineId) {
        return layout.memberData(machineId);
    }

    /** Where the member's PostgreSQL has its Unix socket: the OS user connects there by peer identity. */
    public Path memberSocketDirectory(String machineId) {
        return layout.memberSockets(machineId);
    }

    /** The platform's S3 server's files: one directory per bucket under {@code objects}, and its TLS certificate. */
    public Path objectStorageDirectory() {
        return layout.objectStorage();
    }

    Path memberConfig(String machineId) {
        return layout.memberConfig(machineId);
    }

    /**
     * SIGKILL a member's sidecar and its PostgreSQL at once: a crash of the whole machine. Every PostgreSQL process goes
     * in the same instant (the postmaster leads a process group of its own): a postmaster killed alone left its backends
     * a moment to acknowledge a commit that its WAL senders, which exit as soon as the postmaster is gone, never sent.
     * Its shared memory goes with the machine's too ({@link ServerSharedMemory}), or it would stay on this machine when the
     * member is never started again.
     */
    public void kill(String machineId) {
        requireMember(machineId);
        Optional<ProcessHandle> sidecar = sidecar(machineId);
        Optional<ProcessHandle> postgres = postmaster(machineId);
        Optional<ServerSharedMemory> memory = postgres.map(p -> ServerSharedMemory.of(layout.memberData(machineId), p));
        postgres.ifPresent(LocalProcesses::killGroup);
        sidecar.ifPresent(LocalProcesses::kill);
        postgres.ifPresent(p -> LocalProcesses.waitForExit(p, Duration.ofSeconds(10)));
        memory.ifPresent(ServerSharedMemory::removeOnceUnused);
    }

    /** What member {@code machineId}'s running PostgreSQL holds in shared memory; empty when it runs none. */
    Optional<ServerSharedMemory> sharedMemory(String machineId) {
        return postmaster(machineId).map(p -> ServerSharedMemory.of(layout.memberData(machineId), p));
    }

    /** SIGKILLs a member's PostgreSQL only (its postmaster); the sidecar lives on and starts it again. */
    public void killPostgres(String machineId) {
        requireMember(machineId);
        postmaster(machineId).ifPresent(LocalProcesses::kill);
    }

    /** SIGKILLs the platform process: the store (and the DNS server, which lives with it) crashes. */
    public void killPlatform() {
        LocalProcesses.running(layout.platformPid(), layout.dir().toString()).ifPresent(LocalProcesses::kill);
    }

    /** Starts the platform (store and DNS) unless it runs. */
    public void startPlatform() throws IOException {
        startPlatform(requireFile());
    }

    /**
     * The member's own cgroup relative to the cgroup2 root (see {@link LocalCgroups}); empty when members run without
     * one (not root, no cgroup2).
     */
    public Optional<String> memberCgroup(String machineId) {
        return LocalCgroups.of(layout.dir()).relativePath(machineId);
    }

    /** Stops a member the way a platform stops a machine: its kill signal, then patience. */
    public void stop(String machineId) {
        requireMember(machineId);
        sidecar(machineId).ifPresent(p -> LocalProcesses.stop(p, STOP_PATIENCE));
    }

    /** Starts a member that is not running; as a platform starting a machine does, makes its DNS name answer again. */
    public void start(String machineId) throws IOException {
        LocalClusterFile cluster = requireFile();
        requireMember(machineId);
        startPlatform(cluster);
        pointDnsAt(cluster.member(machineId).orElseThrow());
        startMember(cluster, machineId);
    }

    /**
     * Moves a member the way a platform migrates a machine: stops it with its kill signal (a leader hands over
     * first), forks its volume (the member directory, data and state, is copied; the original is kept aside, renamed,
     * for inspection), gives it the next unused address of the cluster's network, and starts it again with the same
     * machine ID. The DNS learns the new address {@code dnsLag} after the start, as a slow record update would have
     * it; until then the member's name still resolves to its old address.
     *
     * @return the member as it runs now
     */
    public LocalMember migrate(String machineId, Duration dnsLag, PrintStream progress) throws IOException {
        LocalClusterFile cluster = requireFile();
        LocalMember before = cluster.member(machineId).orElseThrow(() -> new IllegalArgumentException(
                machineId + " is not a member of the local cluster in " + layout.dir()));
        startPlatform(cluster);
        progress.println("stopping " + machineId + " with its kill signal");
        stop(machineId);
        Path aside = forkVolume(machineId);
        progress.println("forked its volume; the original is kept at " + aside);
        String address = nextUnusedAddress(cluster);
        if (HostPort.isIpv6(address)) LoopbackAddresses.ensure(address);
        LocalMember after = new LocalMember(machineId, address, portFreeOn(address, before.pgPort()),
                portFreeOn(address, before.apiPort()), before.storeProxyPort());
        LocalClusterFile moved = cluster.replacing(after);
        writeMemberConfig(moved, after, sessionTimeoutOf(machineId), haSectionOf(machineId), backupScheduleOf(machineId));
        moved.write(layout.dir());
        if (dnsLag.isZero()) pointDnsAt(after);
        progress.println("starting " + machineId + " at " + address + " (was " + before.address() + ")");
        startMember(moved, machineId);
        if (!dnsLag.isZero()) {
            progress.println("DNS still answers " + before.address() + "; updating it in " + dnsLag.toMillis() + " ms");
            sleep(dnsLag.toMillis());
            pointDnsAt(after);
        }
        return after;
    }

    /**
     * The machine's new volume is a copy of the old one, at the same place (a platform mounts a forked volume where
     * the old one was); the old one is renamed aside, so what the member runs on is really the copy.
     */
    private Path forkVolume(String machineId) throws IOException {
        Path volume = layout.member(machineId);
        Path aside = volume.resolveSibling(machineId + ".before-migration-" + System.currentTimeMillis());
        Files.move(volume, aside);
        copyPreserving(aside, volume);
        return aside;
    }

    /** Copies a directory tree; cp -a keeps what PostgreSQL insists on: the postgres user's ownership and the 0700. */
    static void copyPreserving(Path from, Path to) throws IOException {
        Process copy = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).redirectErrorStream(true).start();
        String output = new String(copy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (copy.waitFor() != 0) throw new IOException("copying " + from + " to " + to + " failed: " + output.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying " + from, e);
        }
    }

    /**
     * One above the highest member address in the cluster's network, its /24 or its /64 (so a moved machine never gets
     * an old address back).
     */
    static String nextUnusedAddress(LocalClusterFile cluster) {
        String first = cluster.members().getFirst().address();
        if (HostPort.isIpv6(first)) {
            String network = first.substring(0, first.indexOf("::") + 2);
            int highest = cluster.members().stream().mapToInt(m -> lastTwoBytes(m.address())).max().orElse(0xf);
            if (highest >= 0xfffe) throw new IllegalStateException("no unused address left in " + network + "/64");
            return network + Integer.toHexString(highest + 1);
        }
        String network = first.substring(0, first.lastIndexOf('.') + 1);
        int highest = cluster.members().stream().mapToInt(m -> Integer.parseInt(m.address().substring(m.address().lastIndexOf('.') + 1)))
                .max().orElse(9);
        if (highest >= 254) throw new IllegalStateException("no unused address left in " + network + "0/24");
        return network + (highest + 1);
    }

    private static int lastTwoBytes(String address) {
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            return (bytes[bytes.length - 2] & 0xff) << 8 | bytes[bytes.length - 1] & 0xff;
        } catch (IOException e) {
            throw new IllegalStateException("not an address: " + address, e);
        }
    }

    /** The same port when it is free on the new address (it almost always is), else any free one. */
    private static int portFreeOn(String address, int port) throws IOException {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(address))) {
            return port;
        } catch (IOException taken) {
            return freePort(address);
        }
    }

    private Optional<Duration> sessionTimeoutOf(String machineId) throws IOException {
        JsonNode timeout = readMemberConfig(machineId).path("store").path("session_timeout");
        return timeout.isMissingNode() ? Optional.empty() : Optional.of(Durations.parse(timeout.asText()));
    }

    /** The member's own {@code ha:} settings, kept across a migration. */
    private Map<String, Object> haSectionOf(String machineId) throws IOException {
        JsonNode ha = readMemberConfig(machineId).path("ha");
        return ha.isObject() ? MEMBER_CONFIG.convertValue(ha, new TypeReference<Map<String, Object>>() {}) : Map.of();
    }

    /** The member's backup settings beyond the bucket (schedule, window), which a move or a new member keeps. */
    private Map<String, String> backupScheduleOf(String machineId) throws IOException {
        Map<String, String> schedule = new LinkedHashMap<>();
        readMemberConfig(machineId).path("backup").fields().forEachRemaining(field -> {
            if (!BUCKET_SETTINGS.contains(field.getKey())) schedule.put(field.getKey(), field.getValue().asText());
        });
        return schedule;
    }

    private ObjectNode readMemberConfig(String machineId) throws IOException {
        return (ObjectNode) MEMBER_CONFIG.readTree(layout.memberConfig(machineId).toFile());
    }

    private void pointDnsAt(LocalMember member) throws IOException {
        RegistryFile registry = RegistryFile.read(layout.registry());
        Map<String, RegistryFile.Member> members = new LinkedHashMap<>(registry.members());
        String region = Optional.ofNullable(members.get(member.machineId())).map(RegistryFile.Member::region).orElse("local");
        members.put(member.machineId(), new RegistryFile.Member(member.address(), region));
        new RegistryFile(registry.app(), registry.ttlSeconds(), members).write(layout.registry());
    }

    /**
     * Adds a new machine, as a platform creates one: a fresh machine ID and the next unused address, listed in DNS, its
     * sidecar started. It joins as a replica (and, in store mode ensemble, as a client of the ensemble).
     *
     * @return the new member
     */
    public LocalMember add(Duration timeout, PrintStream progress) throws IOException {
        List<String> before = requireFile().members().stream().map(LocalMember::machineId).toList();
        add(1, timeout, progress);
        return requireFile().members().stream().filter(m -> !before.contains(m.machineId())).findFirst().orElseThrow();
    }

    /**
     * Destroys a machine and its volume, as a platform does: its processes are killed, its data and ZooKeeper data
     * deleted (its log is kept, in a directory renamed {@code <id>.destroyed-<time>}), and its name leaves DNS.
     */
    public void destroy(String machineId) throws IOException {
        LocalClusterFile cluster = requireFile();
        requireMember(machineId);
        // Its PostgreSQL gets an immediate stop first rather than SIGKILL: only a server that exits by itself removes its
        // shared memory (in /dev/shm and System V), and with its data directory deleted below, no later start would
        postmaster(machineId).ifPresent(LocalProcesses::stopImmediately);
        kill(machineId);
        Path volume = layout.member(machineId);
        Path remains = volume.resolveSibling(machineId + ".destroyed-" + System.currentTimeMillis());
        Files.move(volume, remains);
        for (String gone : List.of("data", "zookeeper")) deleteTree(remains.resolve(gone));
        RegistryFile registry = RegistryFile.read(layout.registry());
        Map<String, RegistryFile.Member> members = new LinkedHashMap<>(registry.members());
        members.remove(machineId);
        new RegistryFile(registry.app(), registry.ttlSeconds(), members).write(layout.registry());
        cluster.without(machineId).write(layout.dir());
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
    }

    /**
     * Stops every member, then the platform; with {@code purge}, deletes the directory too. No server's shared memory is
     * left on the machine, though a server may be killed on the way: in store mode ensemble the last member to stop has
     * lost its store's quorum with the others, and it fences its server by freezing and then killing it.
     */
    public void down(boolean purge) throws IOException {
        Optional<LocalClusterFile> cluster = file();
        List<ServerSharedMemory> servers = cluster.stream().flatMap(c -> c.members().stream())
                .flatMap(m -> sharedMemory(m.machineId()).stream()).toList();
        if (cluster.isPresent()) {
            // Replicas first: a stopping leader hands over to a healthy replica, and would wait for one that is
            // stopping too. With the replicas gone it finds none and stops at once.
            Optional<String> leader = snapshot(cluster.get()).flatMap(ClusterSnapshot::leader).map(l -> l.machineId());
            List<ProcessHandle> replicas = cluster.get().members().stream()
                    .filter(m -> leader.map(l -> !l.equals(m.machineId())).orElse(true))
                    .flatMap(m -> sidecar(m.machineId()).stream()).toList();
            replicas.forEach(ProcessHandle::destroy);
            replicas.forEach(p -> LocalProcesses.stop(p, STOP_PATIENCE));
            List<ProcessHandle> rest = cluster.get().members().stream().flatMap(m -> sidecar(m.machineId()).stream()).toList();
            rest.forEach(ProcessHandle::destroy);
            rest.forEach(p -> LocalProcesses.stop(p, STOP_PATIENCE));
            LocalProcesses.running(layout.platformPid(), layout.dir().toString()).ifPresent(p -> LocalProcesses.stop(p, STOP_PATIENCE));
        }
        // What a server that stopped by itself removed is gone already; a killed one's is removed here
        servers.forEach(ServerSharedMemory::removeOnceUnused);
        // Its pins outlive the members by design (rewriting survives a restart); a cluster that is down needs none.
        rewriterScope().tearDown();
        LocalCgroups.of(layout.dir()).tearDown();
        // The addresses we added, the migrated members' old ones too: all of the cluster's /64. `up` adds them again.
        if (cluster.isPresent() && HostPort.isIpv6(cluster.get().members().getFirst().address())
                && LoopbackAddresses.canManage()) {
            LoopbackAddresses.removeNetwork(cluster.get().members().getFirst().address());
        }
        if (purge) deleteTree(layout.dir());
    }

    /** Cuts a member off from the store, as a network partition would, until {@link #heal}. */
    public void isolate(String machineId) throws IOException {
        requireMember(machineId);
        if (requireFile().ensembleMode()) {
            throw new IllegalArgumentException("isolate cuts a member off from the platform's store; in store mode ensemble "
                    + "the members run the store themselves (use kill or stop instead)");
        }
        Files.createDirectories(layout.isolation(machineId).getParent());
        Files.writeString(layout.isolation(machineId), "");
    }

    /**
     * Stops the platform's S3 server ({@code out}), as an outage of the object storage would, or starts it again. The
     * members keep their WAL and retry until it is back.
     */
    public void objectStorageOutage(boolean out) throws IOException {
        if (!requireFile().hasBackups()) {
            throw new IllegalArgumentException("this local cluster was made without backups (--no-backups): it has no object storage");
        }
        Files.createDirectories(layout.objectStorageOutage().getParent());
        if (out) {
            Files.writeString(layout.objectStorageOutage(), "");
        } else {
            Files.deleteIfExists(layout.objectStorageOutage());
        }
    }

    public void heal(String machineId) throws IOException {
        requireMember(machineId);
        Files.deleteIfExists(layout.isolation(machineId));
    }

    /** The log member {@code machineId}'s sidecar writes (its PostgreSQL's output included). */
    public Path sidecarLog(String machineId) {
        return layout.memberLog(machineId);
    }

    /** Where member {@code machineId}'s primary router listens, as its config file says; empty when it runs none. */
    public Optional<HostPort> routerOf(String machineId) throws IOException {
        Path file = layout.memberConfig(machineId);
        if (!Files.exists(file)) return Optional.empty();
        String listen = MEMBER_CONFIG.readTree(file.toFile()).path("router").path("listen").asText("");
        return listen.isEmpty() ? Optional.empty() : Optional.of(HostPort.parse(listen));
    }

    public Optional<Long> sidecarPid(String machineId) {
        return sidecar(machineId).map(ProcessHandle::pid);
    }

    /** The platform's process (the store, the DNS and the S3 server of the whole cluster), while it runs. */
    public Optional<Long> platformPid() {
        return LocalProcesses.running(layout.platformPid(), layout.dir().toString()).map(ProcessHandle::pid);
    }

    /** The passwords of the superuser and the replication role, which live in the data. */
    record Roles(String superuserPassword, String replicationPassword) {
        @Override
        public String toString() {
            return "Roles[passwords hidden]";
        }
    }

    private LocalClusterFile create(String app, int nodes, NewClusterSettings settings, Roles roles, PrintStream progress)
            throws IOException {
        Files.createDirectories(layout.dir());
        makeTraversable(layout.dir());
        List<String> addresses = memberAddresses(nodes, progress);
        List<LocalMember> members = new ArrayList<>();
        for (String address : addresses) {
            members.add(new LocalMember(machineId(), address, freePort(address), freePort(address), freePort("127.0.0.1")));
        }
        LocalClusterFile.EnsemblePorts ensemble = settings.storeMode() == StoreMode.ENSEMBLE
                ? new LocalClusterFile.EnsemblePorts(freePort("127.0.0.1"), freePort("127.0.0.1"), freePort("127.0.0.1"))
                : null;
        LocalClusterFile.ObjectStorage objectStorage = settings.backups()
                ? new LocalClusterFile.ObjectStorage(freePort("127.0.0.1"), "backups", "pgmanager-" + secret().substring(0, 8), secret(),
                        layout.objectStorage().resolve("tls.crt").toString())
                : null;
        LocalClusterFile cluster = new LocalClusterFile(app, freePort("127.0.0.1"), freePort("127.0.0.1"),
                roles.superuserPassword(), roles.replicationPassword(), secret(), members, ensemble, objectStorage);
        cluster.write(layout.dir());
        Map<String, RegistryFile.Member> registry = new LinkedHashMap<>();
        for (LocalMember m : members) registry.put(m.machineId(), new RegistryFile.Member(m.address(), "local"));
        new RegistryFile(app, 1, registry).write(layout.registry());
        for (int i = 0; i < members.size(); i++) {
            Path config = writeMemberConfig(cluster, members.get(i), settings.sessionTimeout(), settings.ha().section(i, members.size()),
                    settings.backupSettings());
            if (!settings.migration().isEmpty()) addSection(config, "migration", settings.migration());
        }
        return cluster;
    }

    /**
     * As root, addresses like Fly's: a random {@code fdaa:<16 bits>:<16 bits>::/64}, members from {@code ::10} on,
     * added to the loopback device. Otherwise (or when they cannot be added: then we say why) a /24 of the loopback
     * network of our own. Either way clusters side by side and other local services never collide.
     */
    private static List<String> memberAddresses(int nodes, PrintStream progress) {
        if (LoopbackAddresses.canManage()) {
            String network = "fdaa:" + Integer.toHexString(1 + RANDOM.nextInt(0xffff)) + ":"
                    + Integer.toHexString(1 + RANDOM.nextInt(0xffff)) + "::";
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < nodes; i++) addresses.add(network + Integer.toHexString(0x10 + i));
            try {
                for (String address : addresses) LoopbackAddresses.ensure(address);
                return addresses;
            } catch (IOException e) {
                progress.println("cannot give the members IPv6 addresses on " + LoopbackAddresses.DEVICE + " ("
                        + e.getMessage() + "); using 127.x.y.z addresses instead");
                try {
                    LoopbackAddresses.removeNetwork(addresses.getFirst());
                } catch (IOException | RuntimeException ignored) {
                    // nothing was added, or it cannot be removed either: the message above says why
                }
            }
        }
        String network = "127." + (1 + RANDOM.nextInt(254)) + "." + (1 + RANDOM.nextInt(254)) + ".";
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < nodes; i++) addresses.add(network + (10 + i));
        return addresses;
    }

    /** What pg_hba admits: the cluster's own network and the loopback (the tools connect from there). */
    private static String allowedNetworks(LocalMember m) {
        if (!HostPort.isIpv6(m.address())) return "127.0.0.0/8";
        return m.address().substring(0, m.address().indexOf("::") + 2) + "/64,127.0.0.0/8,::1/128";
    }

    /** Writes the config file member {@code m}'s sidecar reads ({@code pgmanager run --config}); returns its path. */
    Path writeMemberConfig(LocalClusterFile cluster, LocalMember m, Optional<Duration> sessionTimeout, Map<String, Object> haSection)
            throws IOException {
        return writeMemberConfig(cluster, m, sessionTimeout, haSection, Map.of());
    }

    /** As above, with {@code backup.*} settings beyond the bucket (keys without the prefix) when the cluster has backups. */
    Path writeMemberConfig(LocalClusterFile cluster, LocalMember m, Optional<Duration> sessionTimeout, Map<String, Object> haSection,
            Map<String, String> backupSettings) throws IOException {
        Path dir = layout.member(m.machineId());
        Files.createDirectories(dir);
        makeTraversable(dir.getParent());
        makeTraversable(dir);
        Map<String, Object> store = storeSection(cluster, m);
        sessionTimeout.ifPresent(timeout -> store.put("session_timeout", timeout.toMillis() + "ms"));
        Map<String, Object> postgres = new LinkedHashMap<>();
        postgres.put("data_dir", layout.memberData(m.machineId()).toString());
        postgres.put("listen_address", m.address());
        postgres.put("port", m.pgPort());
        postgres.put("socket_dir", layout.memberSockets(m.machineId()).toString());
        postgres.put("superuser_password", cluster.superuserPassword());
        postgres.put("replication_password", cluster.replicationPassword());
        postgres.put("allowed_networks", allowedNetworks(m));
        // Every member of a local cluster shares this machine: sizing each one's memory as if it had the machine to
        // itself would give each a quarter of it. PostgreSQL's own defaults suit a development cluster.
        postgres.put("parameters", Map.of("shared_buffers", "128MB", "effective_cache_size", "4GB", "maintenance_work_mem", "64MB"));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("machine_id", m.machineId());
        config.put("app", cluster.app());
        config.put("region", "local");
        config.put("address", m.address());
        config.put("store", store);
        config.put("postgres", postgres);
        config.put("api", Map.of("listen", new HostPort(m.address(), m.apiPort()).toString(), "token", cluster.apiToken()));
        config.put("metrics", Map.of("listen", new HostPort(m.address(), freePort(m.address())).toString()));
        // flyctl's API (Fly's port 5500): members share this machine, so each has a port of its own
        config.put("flyapi", Map.of("listen", new HostPort(m.address(), freePort(m.address())).toString()));
        // the primary router (Fly's 5432): a port of its own on each member's address, found by routerOf
        config.put("router", Map.of("listen", new HostPort(m.address(), freePort(m.address())).toString()));
        config.put("dns", Map.of("servers", "127.0.0.1:" + cluster.dnsPort()));
        config.put("rewriter", rewriterSection(cluster, m));
        if (!haSection.isEmpty()) config.put("ha", haSection);
        config.put("backup", backupSection(cluster, backupSettings, m));
        Path file = layout.memberConfig(m.machineId());
        MEMBER_CONFIG.writeValue(file.toFile(), config);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** Adds a section to a member's config file (settings only a new cluster is made with, such as its migration source). */
    private static void addSection(Path file, String name, Map<String, String> settings) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> config = MEMBER_CONFIG.readValue(file.toFile(), LinkedHashMap.class);
        config.put(name, new LinkedHashMap<>(settings));
        MEMBER_CONFIG.writeValue(file.toFile(), config);
    }

    /** Backup settings the platform writes afresh for each member config, not kept from the last one. */
    private static final java.util.Set<String> BUCKET_SETTINGS =
            java.util.Set.of("enabled", "bucket", "endpoint", "access_key_id", "secret_access_key", "ca_file", "server_port");

    /** The platform's object storage, as Fly's Tigris variables give it; or backups off, said in so many words. */
    private static Map<String, Object> backupSection(LocalClusterFile cluster, Map<String, String> settings, LocalMember m)
            throws IOException {
        Map<String, Object> backup = new LinkedHashMap<>();
        if (!cluster.hasBackups()) {
            backup.put("enabled", false);
            return backup;
        }
        LocalClusterFile.ObjectStorage s3 = cluster.objectStorage();
        backup.put("bucket", s3.bucket());
        backup.put("endpoint", s3.endpoint());
        backup.put("access_key_id", s3.accessKeyId());
        backup.put("secret_access_key", s3.secretAccessKey());
        backup.put("ca_file", s3.caFile());
        // the member's pgBackRest server, for backups taken from it as a replica: members share this machine
        backup.put("server_port", freePort(m.address()));
        backup.putAll(settings);
        return backup;
    }

    /** The platform's store through the member's own cuttable link, or the members' own ensemble. */
    private Map<String, Object> storeSection(LocalClusterFile cluster, LocalMember m) {
        Map<String, Object> store = new LinkedHashMap<>();
        if (!cluster.ensembleMode()) {
            store.put("connect", "127.0.0.1:" + m.storeProxyPort());
            return store;
        }
        LocalClusterFile.EnsemblePorts ports = cluster.ensemble();
        Map<String, Object> ensemble = new LinkedHashMap<>();
        ensemble.put("size", ENSEMBLE_SIZE);
        ensemble.put("client_port", ports.clientPort());
        ensemble.put("quorum_port", ports.quorumPort());
        ensemble.put("election_port", ports.electionPort());
        ensemble.put("data_dir", layout.member(m.machineId()).resolve("zookeeper").toString());
        store.put("mode", "ensemble");
        store.put("ensemble", ensemble);
        return store;
    }

    /** One member manages the cluster's rewriter; see {@link LocalRewriterScope} for why. */
    private Map<String, Object> rewriterSection(LocalClusterFile cluster, LocalMember m) {
        Map<String, Object> rewriter = new LinkedHashMap<>();
        boolean manages = cluster.members().getFirst().machineId().equals(m.machineId());
        rewriter.put("enabled", manages);
        if (manages) {
            rewriter.put("pin_root", rewriterScope().pinRoot().toString());
            rewriterScope().cgroup().ifPresent(cgroup -> rewriter.put("cgroup", cgroup.toString()));
        }
        return rewriter;
    }

    /**
     * A member written before the rewriter existed would run it with the defaults: attached to the whole machine and
     * pinned where every other member (and the machine's own sidecar) pins it. Give it the cluster's settings.
     */
    private void addRewriterSectionIfMissing(LocalClusterFile cluster, String machineId) throws IOException {
        ObjectNode config = readMemberConfig(machineId);
        if (config.has("rewriter")) return;
        Optional<LocalMember> member = cluster.member(machineId);
        if (member.isEmpty()) return;
        config.set("rewriter", MEMBER_CONFIG.valueToTree(rewriterSection(cluster, member.get())));
        MEMBER_CONFIG.writeValue(layout.memberConfig(machineId).toFile(), config);
    }

    LocalRewriterScope rewriterScope() {
        return LocalRewriterScope.of(layout.dir());
    }

    private void startPlatform(LocalClusterFile cluster) throws IOException {
        if (LocalProcesses.running(layout.platformPid(), layout.dir().toString()).isPresent()) return;
        LocalProcesses.startPlatform(List.of("local", "platform", "--dir", layout.dir().toString()), layout.platformLog(),
                layout.platformPid());
        if (!cluster.ensembleMode()) {
            awaitPort("127.0.0.1", cluster.storePort(), Duration.ofSeconds(30), "the local ZooKeeper", layout.platformLog());
        }
        // The platform starts its DNS server after the store and the S3 server: members (and this command's own status
        // lookups) that started before it answered would find no address.
        awaitPort("127.0.0.1", cluster.dnsPort(), Duration.ofSeconds(30), "the local DNS server", layout.platformLog());
    }

    private void startMember(LocalClusterFile cluster, String machineId) throws IOException {
        if (sidecar(machineId).isPresent()) return;
        // `down` took the cluster's IPv6 addresses off the loopback device; a member starting again needs its own back.
        String address = cluster.member(machineId).orElseThrow().address();
        if (HostPort.isIpv6(address)) LoopbackAddresses.ensure(address);
        addRewriterSectionIfMissing(cluster, machineId);
        rewriterScope().prepare();
        LocalProcesses.start(List.of("run", "--config", layout.memberConfig(machineId).toString()), layout.memberLog(machineId),
                layout.memberPid(machineId), LocalCgroups.of(layout.dir()).prepare(machineId));
    }

    LocalStatus awaitHealthy(LocalClusterFile cluster, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        LocalStatus status;
        do {
            status = LocalStatus.of(cluster, snapshot(cluster), this::sidecarPid, resolver(cluster));
            if (status.isHealthy()) return status;
            for (LocalMember m : cluster.members()) {
                if (sidecar(m.machineId()).isEmpty()) {
                    throw new IllegalStateException("member " + m.machineId() + " exited; see " + logEnd(m.machineId()));
                }
            }
            sleep(250);
        } while (Instant.now().isBefore(deadline));
        StringBuilder logs = new StringBuilder();
        for (LocalMember m : cluster.members()) logs.append("\n").append(logEnd(m.machineId()));
        throw new IllegalStateException("the cluster did not come up within " + timeout.toSeconds() + " s: "
                + status.summary() + "; see the logs under " + layout.dir().resolve("members") + logs);
    }

    /**
     * A member's log and its last lines, for an error of {@code up}: a test's clean-up or a purge may remove the
     * directory, and the log with it.
     */
    private String logEnd(String machineId) {
        Path log = layout.memberLog(machineId);
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> last = lines.subList(Math.max(0, lines.size() - LOG_LINES_SHOWN), lines.size());
            return log + ", which ends with:\n" + String.join("\n", last);
        } catch (IOException | UncheckedIOException e) {
            return log + " (cannot read it: " + e.getMessage() + ")";
        }
    }

    private Optional<ClusterSnapshot> snapshot(LocalClusterFile cluster) {
        if (LocalProcesses.running(layout.platformPid(), layout.dir().toString()).isEmpty()) return Optional.empty();
        try (ZooKeeperClusterStore store = ZooKeeperClusterStore.connect(ZooKeeperStoreSettings.of(cluster.storeConnectString(),
                cluster.app()).withSecret(cluster.storeSecret()).withStartupWait(Duration.ofSeconds(5)))) {
            return Optional.of(store.read());
        } catch (StoreException e) {
            return Optional.empty();
        }
    }

    private static DnsAddressResolver resolver(LocalClusterFile cluster) {
        return new DnsAddressResolver(DnsSettings.forApp(cluster.app())
                .withServers(List.of(new InetSocketAddress("127.0.0.1", cluster.dnsPort()))));
    }

    private Optional<ProcessHandle> sidecar(String machineId) {
        return LocalProcesses.running(layout.memberPid(machineId), layout.memberConfig(machineId).toString());
    }

    /** The member's postmaster, from its own pid file. */
    private Optional<ProcessHandle> postmaster(String machineId) {
        Path pidFile = layout.memberData(machineId).resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) return Optional.empty();
            long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
            return ProcessHandle.of(pid).filter(p -> LocalProcesses.commandLine(pid).contains(layout.memberData(machineId).toString()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private LocalClusterFile requireFile() {
        return file().orElseThrow(() -> new IllegalArgumentException("no local cluster in " + layout.dir()
                + "; create one with `pgmanager local up`" + (layout.dir().endsWith(".pgmanager-local") ? "" : " --dir " + layout.dir())));
    }

    private void requireMember(String machineId) {
        if (requireFile().member(machineId).isEmpty()) {
            throw new IllegalArgumentException(machineId + " is not a member of the local cluster in " + layout.dir());
        }
    }

    /** PostgreSQL runs as the unprivileged postgres user when we are root: it must be able to reach the directory. */
    private static void requireReachableByPostgres(Path dir) {
        OsUser.requireReachableByPostgres(dir, "choose another --dir");
    }

    private static void makeTraversable(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void awaitPort(String host, int port, Duration patience, String what, Path log) {
        Instant deadline = Instant.now().plus(patience);
        while (Instant.now().isBefore(deadline)) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 200);
                return;
            } catch (IOException e) {
                sleep(100);
            }
        }
        throw new IllegalStateException(what + " did not start on " + host + ":" + port + " within " + patience.toSeconds()
                + " s; see " + log);
    }

    /** A port free on {@code address} now, for a process that binds it later (see {@link FreePorts}). */
    public static int freePort(String address) throws IOException {
        return FreePorts.on(InetAddress.getByName(address));
    }

    private static String machineId() {
        byte[] bytes = new byte[7];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String secret() {
        String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 24; i++) s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return s.toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
