package dev.pgmanager.cli;

import dev.pgmanager.config.LogFormat;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.logging.LogFields;
import dev.pgmanager.logging.LogOutput;
import dev.pgmanager.sidecar.Sidecar;
import java.nio.file.Path;
import java.time.Clock;
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
        fromCommandLine.ifPresent(LogOutput::use);
        SidecarConfig config = SidecarConfigLoader.load(Optional.ofNullable(configFile), System.getenv());
        LogFields.machineId(config.machineId());
        LogOutput.use(fromCommandLine.orElse(config.logFormat()));
        CountDownLatch stopped = new CountDownLatch(1);
        Sidecar sidecar = Sidecar.start(config, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sidecar.close();
            stopped.countDown();
        }, "sidecar-shutdown"));
        stopped.await();
        return 0;
    }
}
