package dev.pgmanager.platform.bench;

import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.LocalClusterFile.LocalMember;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.NewClusterSettings;
import dev.pgmanager.postgres.PgBinaries;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the 5432 entry point against the ecosystem's tool for the job: select-only pgbench on a fresh local cluster,
 * in alternating rounds, straight to the primary, through a replica's primary router (the sidecar relays to the
 * primary, as an application's connection landing on any Fly machine is), and through a stock HAProxy that finds the
 * primary with the members' {@code GET /primary} check (as postgres-flex's HAProxy does). Prints each round's
 * transactions per second, the medians and the ratio of the router to HAProxy.
 */
public final class RouterBenchmark {
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    /** One entry point's rounds, in whole transactions per second. */
    public record EntryPoint(String name, List<Long> tps) {
        public double median() {
            return Figures.median(tps).orElseThrow();
        }
    }

    /**
     * The medians, in transactions per second, and the sidecars' log lines of a lease suspended or lost meanwhile (the
     * load must fail nothing over).
     */
    public record Result(double direct, double router, double haproxy, List<String> suspensions) {
        public Result {
            suspensions = List.copyOf(suspensions);
        }

        public double routerToHaproxy() {
            return router / haproxy;
        }
    }

    /** Whether the anchor can run here: stock HAProxy on the PATH. */
    public static boolean haproxyInstalled() {
        return !haproxyVersion().isEmpty();
    }

    private final PrintStream out;
    private final PgBinaries binaries = PgBinaries.locate(Optional.empty());

    public RouterBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * @param clients pgbench's client connections
     * @param seconds how long each round runs
     * @param rounds  rounds of each entry point, alternating
     * @param sessionTimeout the members' {@code store.session_timeout}; empty for the default
     * @return the medians, and the leases suspended or lost under the load
     */
    public Result run(Path dir, int clients, int seconds, int rounds, Optional<Duration> sessionTimeout) throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        LocalCluster cluster = LocalCluster.at(dir);
        Process haproxy = null;
        boolean failed = false;
        try {
            cluster.up(3, NewClusterSettings.DEFAULTS.withoutBackups().withSessionTimeout(sessionTimeout), SETTLE_LIMIT, out);
            FailoverBenchmark.awaitHealthy(cluster);
            LocalClusterFile file = cluster.file().orElseThrow();
            String leader = cluster.status().leader();
            LocalMember primary = file.member(leader).orElseThrow();
            LocalMember replica = file.members().stream().filter(m -> !m.machineId().equals(leader)).findFirst().orElseThrow();
            HostPort direct = new HostPort(primary.address(), primary.pgPort());
            HostPort router = cluster.routerOf(replica.machineId())
                    .orElseThrow(() -> new IllegalStateException("member " + replica.machineId() + " runs no router"));
            HostPort balancer = new HostPort("127.0.0.1", LocalCluster.freePort("127.0.0.1"));
            haproxy = startHaproxy(dir, file, balancer);
            pgbench(file, direct, List.of("-i", "-q"), 0);
            awaitHaproxyRoutes(file, balancer, haproxy);

            Map<String, HostPort> entries = new LinkedHashMap<>();
            entries.put("direct to the primary", direct);
            entries.put("primary router (a replica's)", router);
            entries.put("stock HAProxy, GET /primary check", balancer);
            Map<String, EntryPoint> results = new LinkedHashMap<>();
            entries.keySet().forEach(name -> results.put(name, new EntryPoint(name, new ArrayList<>())));
            out.printf("router benchmark: select-only pgbench, %d clients, %d s a round, %d rounds each, alternating%n", clients,
                    seconds, rounds);
            for (int round = 1; round <= rounds; round++) {
                for (var entry : entries.entrySet()) {
                    double tps = pgbench(file, entry.getValue(), List.of("-S", "-n", "-c", Integer.toString(clients), "-j", "2",
                            "-T", Integer.toString(seconds)), seconds);
                    results.get(entry.getKey()).tps().add(Math.round(tps));
                    out.printf("round %d  %-36s %9.0f tps%n", round, entry.getKey(), tps);
                }
            }
            Result result = summarize(results, started, clients, LeaseEvents.suspensions(cluster));
            // a lease suspended under the load is the finding to read up on: its sidecar's log tells why
            failed = !result.suspensions().isEmpty();
            return result;
        } catch (Exception e) {
            failed = true;
            // The run's directory may be gone with its machine (a CI run): the lease's story goes with the error
            List<String> trouble = LeaseEvents.trouble(cluster);
            if (trouble.isEmpty()) throw e;
            throw new IllegalStateException(e.getMessage() + "\nthe sidecars' lease events:\n  " + String.join("\n  ", trouble), e);
        } catch (Error e) {
            failed = true;
            throw e;
        } finally {
            if (haproxy != null) {
                haproxy.destroy();
                if (!haproxy.waitFor(5, TimeUnit.SECONDS)) haproxy.destroyForcibly();
            }
            // a failed run, or one that suspended a lease, stops the cluster and leaves its logs to read
            cluster.down(!failed);
            if (failed) out.println("the cluster's logs are kept in " + dir);
        }
    }

    private Result summarize(Map<String, EntryPoint> results, Instant started, int clients, List<String> suspensions)
            throws IOException {
        var paths = List.copyOf(results.values());
        double direct = paths.get(0).median();
        double router = paths.get(1).median();
        double haproxy = paths.get(2).median();
        out.printf("%npgmanager router figures, %s on %s, select-only pgbench with %d clients (medians)%n", started,
                Figures.machine(), clients);
        out.printf("  %-40s %9.0f tps%n", "direct to the primary", direct);
        out.printf("  %-40s %9.0f tps  (%.2f of direct)%n", "stock HAProxy " + haproxyVersion(), haproxy, haproxy / direct);
        out.printf("  %-40s %9.0f tps  (%.2f of direct)%n", "pgmanager's primary router", router, router / direct);
        out.printf("  %-40s %9.2f  (goal >= 0.95)%n", "router / HAProxy", router / haproxy);
        suspensions.forEach(line -> out.println("  " + line));
        out.printf("  %-40s %9d  (goal 0)%n", "leases suspended or lost", suspensions.size());
        return new Result(direct, router, haproxy, suspensions);
    }

    /** Runs pgbench against {@code target} as the superuser, without TLS (as the anchor runs); returns its tps figure. */
    private double pgbench(LocalClusterFile file, HostPort target, List<String> arguments, int seconds) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(List.of(binaries.tool("pgbench"), "-h", target.host(), "-p",
                Integer.toString(target.port()), "-U", "postgres"));
        command.addAll(arguments);
        command.add("postgres");
        // its output goes to a file: a pipe that nobody reads while it runs would stall it once full
        Path log = Files.createTempFile("pgmanager-pgbench-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PGPASSWORD", file.superuserPassword());
        builder.environment().put("PGSSLMODE", "disable");
        Process process = builder.start();
        String output;
        try {
            if (!process.waitFor(seconds + 120L, TimeUnit.SECONDS)) throw new IllegalStateException("pgbench did not finish: " + command);
            output = Files.readString(log, StandardCharsets.UTF_8);
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
        if (process.exitValue() != 0) throw new IllegalStateException("pgbench failed (exit " + process.exitValue() + "): " + output);
        Matcher tps = TPS.matcher(output);
        return tps.find() ? Double.parseDouble(tps.group(1)) : 0;
    }

    /**
     * Stock HAProxy in TCP mode, set up as postgres-flex sets it up (its timeouts, HAProxy's default check interval of
     * 2 s, sessions shut when their server goes down): every member a server, found up by its API's {@code GET /primary}
     * (200 on the one that leads; flex asks its {@code /flycheck/role} for "primary").
     */
    private static Process startHaproxy(Path dir, LocalClusterFile file, HostPort listen) throws IOException {
        StringBuilder config = new StringBuilder("""
                global
                    maxconn 1000
                defaults
                    mode tcp
                    retries 2
                    timeout connect 4s
                    timeout client 30m
                    timeout server 30m
                    timeout check 5s
                frontend primary
                    bind %s
                    default_backend members
                backend members
                    option httpchk GET /primary
                    http-check expect status 200
                """.formatted(haproxyAddress(listen)));
        for (LocalMember m : file.members()) {
            config.append("    server ").append(m.machineId()).append(' ').append(haproxyAddress(new HostPort(m.address(), m.pgPort())))
                    .append(" check port ").append(m.apiPort()).append(" on-marked-down shutdown-sessions\n");
        }
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config.toString());
        Process process = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        return process;
    }

    private static String haproxyAddress(HostPort address) {
        return (HostPort.isIpv6(address.host()) ? "ipv6@" : "ipv4@") + address.host() + ":" + address.port();
    }

    /** Until HAProxy's first checks found the primary: a connection through it succeeds. */
    private void awaitHaproxyRoutes(LocalClusterFile file, HostPort balancer, Process haproxy) {
        FailoverBenchmark.await(() -> {
            if (!haproxy.isAlive()) throw new IllegalStateException("haproxy exited (" + haproxy.exitValue() + "); see haproxy.log");
            try {
                pgbench(file, balancer, List.of("-S", "-n", "-t", "1"), 0);
                return true;
            } catch (Exception e) {
                return false;
            }
        }, "HAProxy routing to the primary");
    }

    private static String haproxyVersion() {
        try {
            Process p = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            p.waitFor();
            Matcher version = Pattern.compile("version (\\S+)").matcher(first);
            return version.find() ? version.group(1) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

}
