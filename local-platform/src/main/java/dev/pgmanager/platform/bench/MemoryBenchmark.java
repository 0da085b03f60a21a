package dev.pgmanager.platform.bench;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.config.StoreConfig.StoreMode;
import dev.pgmanager.platform.IdleJvm;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.NewClusterSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * The sidecars' memory at rest, in both store modes, beside its floor: a fresh local cluster whose sidecars are clients
 * of the platform's ZooKeeper (store mode external), then one whose sidecars also run its ZooKeeper peers (ensemble),
 * and a JVM started with the sidecars' own options that runs nothing ({@link IdleJvm}). For each: RSS, PSS, private
 * memory, threads, and the classes loaded by library (with the JDK's jcmd).
 */
public final class MemoryBenchmark {
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);

    /** One sidecar at rest (its process {@code pid}); its classes are empty when this JDK has no jcmd. */
    public record Sidecar(String machineId, long pid, boolean leader, ProcessMemory memory, Optional<LoadedClasses> classes) {}

    /** The idle JVM at rest (its process {@code pid}, ended since). */
    public record Jvm(long pid, ProcessMemory memory, Optional<LoadedClasses> classes) {}

    /**
     * What one run measured.
     *
     * @param floor the idle JVM with the sidecars' options
     * @param external each sidecar of the cluster in store mode external
     * @param ensemble each sidecar of the cluster in store mode ensemble (the first three run a ZooKeeper peer)
     */
    public record Result(Jvm floor, List<Sidecar> external, List<Sidecar> ensemble) {
        /** The median of {@code figure} over {@code sidecars}, in MB. */
        public static Optional<Long> median(List<Sidecar> sidecars, ToLongFunction<ProcessMemory> figure) {
            return Figures.median(sidecars.stream().map(s -> figure.applyAsLong(s.memory())).toList());
        }
    }

    private final PrintStream out;

    public MemoryBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * Measures in directories under {@code dir}, {@code rest} after each JVM is up; the clusters have {@code nodes} members
     * (at least 3: an ensemble's peers) with {@code store.session_timeout} {@code sessionTimeout} (empty: the default),
     * with backups or without.
     */
    public Result run(Path dir, int nodes, Duration rest, Optional<Duration> sessionTimeout, boolean backups) throws Exception {
        Jvm floor = measureFloor(rest);
        NewClusterSettings settings = NewClusterSettings.DEFAULTS.withSessionTimeout(sessionTimeout);
        if (!backups) settings = settings.withoutBackups();
        List<Sidecar> external = measureCluster(Files.createDirectory(dir.resolve("external")), nodes, rest,
                settings.withStoreMode(StoreMode.EXTERNAL));
        List<Sidecar> ensemble = measureCluster(Files.createDirectory(dir.resolve("ensemble")), nodes, rest,
                settings.withStoreMode(StoreMode.ENSEMBLE));
        Result result = new Result(floor, external, ensemble);
        print(result, rest, backups);
        return result;
    }

    private static Jvm measureFloor(Duration rest) throws IOException, InterruptedException {
        try (IdleJvm idle = IdleJvm.start()) {
            Thread.sleep(rest);
            ProcessMemory memory = ProcessMemory.of(idle.pid());
            // after the memory: jcmd's attach starts a thread in the JVM it asks
            return new Jvm(idle.pid(), memory, LoadedClasses.of(idle.pid()));
        }
    }

    private List<Sidecar> measureCluster(Path dir, int nodes, Duration rest, NewClusterSettings settings) throws Exception {
        LocalCluster cluster = LocalCluster.at(dir);
        try {
            cluster.up(nodes, settings, SETTLE_LIMIT, out);
            Thread.sleep(rest);
            LocalClusterFile file = cluster.file().orElseThrow();
            String leader = cluster.status().leader();
            List<Long> pids = new ArrayList<>();
            List<ProcessMemory> memory = new ArrayList<>();
            // every sidecar's memory first, then their classes: jcmd's attach starts a thread in each
            for (var member : file.members()) {
                long pid = cluster.sidecarPid(member.machineId())
                        .orElseThrow(() -> new IllegalStateException(member.machineId() + "'s sidecar is not running"));
                pids.add(pid);
                memory.add(ProcessMemory.of(pid));
            }
            List<Sidecar> sidecars = new ArrayList<>();
            for (int i = 0; i < pids.size(); i++) {
                String id = file.members().get(i).machineId();
                sidecars.add(new Sidecar(id, pids.get(i), id.equals(leader), memory.get(i), LoadedClasses.of(pids.get(i))));
            }
            return sidecars;
        } finally {
            cluster.down(true);
        }
    }

    private void print(Result result, Duration rest, boolean backups) {
        out.printf("memory at rest, %d s after start (backups %s); MB                  RSS   PSS  private  threads  classes%n",
                rest.toSeconds(), backups ? "on" : "off");
        row("an idle JVM with the sidecars' options (the floor)", result.floor().memory(), result.floor().classes());
        for (Sidecar s : result.external()) row("store external: sidecar " + s.machineId() + role(s), s.memory(), s.classes());
        for (Sidecar s : result.ensemble()) row("store ensemble: sidecar " + s.machineId() + role(s), s.memory(), s.classes());
        long floor = result.floor().memory().residentMegabytes();
        Result.median(result.external(), ProcessMemory::residentMegabytes).ifPresent(ext -> Result.median(result.ensemble(),
                ProcessMemory::residentMegabytes).ifPresent(ens -> out.printf("median RSS above the floor's %d MB: store external "
                        + "%d MB, store ensemble %d MB (the goal: a sidecar's PSS at most 45 MB; alone on its machine, as on Fly, "
                        + "PSS is about RSS)%n", floor, ext - floor, ens - floor)));
        printClassesByLibrary(result);
    }

    private void row(String what, ProcessMemory m, Optional<LoadedClasses> classes) {
        out.printf("  %-70s %5d %5d %8d %8d %8s%n", what, m.residentMegabytes(), m.proportionalMegabytes(), m.privateMegabytes(),
                m.threads(), classes.map(c -> Integer.toString(c.total())).orElse("-"));
    }

    private static String role(Sidecar s) {
        List<String> roles = new ArrayList<>();
        if (s.leader()) roles.add("leader");
        s.classes().filter(LoadedClasses::runsZooKeeperPeer).ifPresent(c -> roles.add("ZooKeeper peer"));
        return roles.isEmpty() ? "" : " (" + String.join(", ", roles) + ")";
    }

    /** Classes by library for the idle JVM and one replica's sidecar of each mode (one that runs a peer in ensemble). */
    private void printClassesByLibrary(Result result) {
        Optional<LoadedClasses> floor = result.floor().classes();
        Optional<LoadedClasses> external = replicaClasses(result.external(), false);
        Optional<LoadedClasses> ensemble = replicaClasses(result.ensemble(), true);
        if (floor.isEmpty() || external.isEmpty() || ensemble.isEmpty()) {
            out.println("classes by library: not counted (no jcmd in " + System.getProperty("java.home") + ")");
            return;
        }
        out.printf("classes loaded at rest, by library          idle JVM  external  ensemble (a replica's sidecar in each mode)%n");
        List<Map<String, Long>> columns = Stream.of(floor, external, ensemble).map(c -> c.get().byLibrary()).toList();
        Set<String> libraries = new LinkedHashSet<>(columns.get(2).keySet());
        columns.forEach(column -> libraries.addAll(column.keySet()));
        for (String library : libraries) {
            out.printf(Locale.ROOT, "  %-40s %9d %9d %9d%n", library, columns.get(0).getOrDefault(library, 0L),
                    columns.get(1).getOrDefault(library, 0L), columns.get(2).getOrDefault(library, 0L));
        }
    }

    private static Optional<LoadedClasses> replicaClasses(List<Sidecar> sidecars, boolean peer) {
        return sidecars.stream().filter(s -> !s.leader()).map(Sidecar::classes).flatMap(Optional::stream)
                .filter(c -> c.runsZooKeeperPeer() == peer).findFirst();
    }
}
