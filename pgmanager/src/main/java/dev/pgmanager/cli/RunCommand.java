package dev.pgmanager.cli;

import dev.pgmanager.config.LogFormat;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.logging.LogFields;
import dev.pgmanager.logging.LogOutput;
import dev.pgmanager.realtime.RealTimeThreads;
import dev.pgmanager.sidecar.CpuShare;
import dev.pgmanager.sidecar.Sidecar;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgmanager run}: the sidecar, the container's entry point. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs this member's sidecar: supervises the local PostgreSQL, holds or follows the leader lease in the store,",
            "and serves the HTTP API, until SIGTERM or SIGINT (then a leader stops cleanly and hands its lease over).",
            "Configuration: the file given with --config (YAML or .properties) and the environment, the environment winning;",
            "see the README for every option. On Fly.io, FLY_MACHINE_ID, FLY_APP_NAME, FLY_REGION, PRIMARY_REGION and the",
            "secrets SU_PASSWORD, REPL_PASSWORD and OPERATOR_PASSWORD are read as they are.",
        })
final class RunCommand implements Callable<Integer> {
    /** Beyond the hand-over's own limit: PostgreSQL's clean stop and the sidecar's own (fly.toml's kill_timeout is 30 s). */
    private static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(8);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "${env:PGMANAGER_CONFIG}",
            description = "Configuration file (.yml, .yaml or .properties); env PGMANAGER_CONFIG.")
    Path configFile;

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "text (lines for people) or json (one JSON object per line, for a log pipeline); both carry the "
                    + "machine ID and the leader epoch. Overrides log.format and PGMANAGER_LOG_FORMAT (default text).")
    String logFormat;

    @Override
    public Integer call() throws Exception {
        Optional<LogFormat> fromCommandLine = Optional.ofNullable(logFormat).map(ValueParsers::logFormat);
        SidecarConfig config;
        Sidecar sidecar;
        try {
            fromCommandLine.ifPresent(LogOutput::use);
            config = SidecarConfigLoader.load(Optional.ofNullable(configFile), System.getenv());
            LogFields.machineId(config.machineId());
            LogOutput.use(fromCommandLine.orElse(config.logFormat()));
            CpuShare.raiseForThisProcess();
            if (config.ha().realtimePriority()) RealTimeThreads.enableForThisProcess();
            sidecar = Sidecar.start(config, Clock.systemUTC());
        } catch (Exception | Error e) {
            // the lines that say why may still be queued
            LogOutput.drain();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Duration deadline = config.ha().stopHandoverTimeout().plus(SHUTDOWN_MARGIN);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            haltAfter(deadline);
            sidecar.close();
            LogOutput.drain();
            stopped.countDown();
        }, "sidecar-shutdown"));
        stopped.await();
        return 0;
    }

    /**
     * A stop signal always ends the process: should the hand-over and the clean stop hang (a store that never answers,
     * a thread that died of an error), the process halts once they had their time, rather than live on half stopped
     * until the platform's SIGKILL, or forever under a supervisor that only sends SIGTERM.
     */
    private static void haltAfter(Duration deadline) {
        Thread.ofPlatform().daemon().name("shutdown-deadline").start(() -> {
            try {
                Thread.sleep(deadline);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("pgmanager: the stop did not finish within " + deadline.toSeconds() + " s (ha.stop_handover_timeout "
                    + "and a margin for the clean stop): halting");
            Runtime.getRuntime().halt(1);
        });
    }
}
