package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.DurationConverter;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.platform.bench.chaos.ChaosEngine;
import dev.pgmanager.platform.bench.chaos.ChaosReport;
import dev.pgmanager.platform.bench.chaos.FaultRound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgmanager bench chaos}: the fault-injection suite. */
@Command(name = "chaos", mixinStandardHelpOptions = true, description = {
    "The fault-injection suite. On a fresh local cluster (removed afterwards), under writers that follow the primary "
            + "and one probe per member writing to it directly, each round puts one fault: crash-member (SIGKILL of sidecar "
            + "and PostgreSQL), pause-sidecar (SIGSTOP past the lease, then SIGCONT), crash-store, cut-from-store, "
            + "migrate-member, cut-from-peers (packet filter rules on the member's cgroup; root), crash-primary-postgres. "
            + "The seed decides the faults, their order, whom they hit and how long they last.",
    "",
    "After each round it heals the fault, waits for one primary and N-1 streaming replicas within a bound derived from "
            + "the lease, and checks the history: every epoch (timeline) written by one member only, epochs never "
            + "overlapping in time nor going back, every replica holding what the primary holds, every acknowledged write "
            + "present. It prints each round and a table.",
    "",
    "Exit 0: every safety check passed; 1: a split brain, a divergent replica, a round that did not converge in time, "
            + "or (with synchronous replication) a lost acknowledged write; 2: it could not run.",
})
final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "12", description = "Fault rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seed", description = "Seed of the fault plan (default: drawn at random, and printed).")
    Long seed;

    @Option(names = "--nodes", defaultValue = "3", description = "Members (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--writers", defaultValue = "3", description = "Writers that follow the primary, besides one probe per member (default: ${DEFAULT-VALUE}).")
    int writers;

    @Option(names = "--session-timeout", defaultValue = "3s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "The members' store.session_timeout, the lease (default: ${DEFAULT-VALUE}).")
    Duration sessionTimeout;

    @Option(names = "--synchronous-mode", defaultValue = "on", paramLabel = "off|on|quorum",
            description = "The members' ha.synchronous_mode (default: ${DEFAULT-VALUE}). With on or quorum a lost acknowledged "
                    + "write is a failure; with off it is reported (asynchronous replication may lose what was in flight).")
    String synchronousMode;

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rounds must be at least 1");
        if (nodes < 3 || nodes > 9) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--nodes must be between 3 and 9");
        if (writers < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--writers must be at least 1");
        if (!List.of("off", "on", "quorum").contains(synchronousMode)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--synchronous-mode must be off, on or quorum, was " + synchronousMode);
        }
        long chosen = seed != null ? seed : new java.security.SecureRandom().nextLong();
        List<FaultRound> plan = FaultRound.plan(chosen, rounds, sessionTimeout);
        System.out.println("seed " + chosen + ": " + plan.stream().map(r -> r.fault().label()).toList());
        Path dir = Files.createTempDirectory("pgmanager-chaos-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ChaosReport report = new ChaosEngine(new ChaosEngine.Settings(nodes, writers, sessionTimeout,
                SynchronousMode.valueOf(synchronousMode.toUpperCase(java.util.Locale.ROOT))), System.out).run(dir, plan);
        report.print(System.out);
        System.out.println("replay with: bench/chaos --rounds " + rounds + " --seed " + chosen);
        if (report.rounds().isEmpty() && report.abortedBecause() != null) return 2;
        return report.safe() ? 0 : 1;
    }
}
