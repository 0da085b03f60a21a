package dev.pgmanager.cli;

import dev.pgmanager.config.LogFormat;
import dev.pgmanager.config.SidecarConfig;
import dev.pgmanager.config.SidecarConfigLoader;
import dev.pgmanager.config.ValueParsers;
import dev.pgmanager.logging.LogFields;
import dev.pgmanager.logging.LogOutput;
import dev.pgmanager.net.NoTlsDefaultContext;
import dev.pgmanager.realtime.RealTimeThreads;
import dev.pgmanager.sidecar.CpuShare;
import dev.pgmanager.sidecar.Sidecar;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    private static final String CONFIG_ENV = "PGMANAGER_CONFIG";
    private static final List<String> CONFIG_NAMES = List.of("-c", "--config");
    private static final String LOG_FORMAT_NAME = "--log-format";

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "${env:" + CONFIG_ENV + "}",
            description = "Configuration file (.yml, .yaml or .properties); env PGMANAGER_CONFIG.")
    Path configFile;

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "text (lines for people) or json (one JSON object per line, for a log pipeline); both carry the "
                    + "machine ID and the leader epoch. Overrides log.format and PGMANAGER_LOG_FORMAT (default text).")
    String logFormat;

    /**
     * The sidecar's command as a platform starts it, read without picocli: {@code run} with at most {@code --config FILE}
     * ({@code -c FILE}, {@code --config=FILE}) and {@code --log-format FORMAT}, each once, to the same values picocli
     * gives. Picocli's classes are compiled for Java 5, which the JDK's AOT cache cannot hold, and reading them and
     * building the model takes 90 ms of a sidecar's start (which every migration waits for). Empty for any other command
     * line (help, version, an error, a value that starts with a dash or an {@code @}, a {@code $} in the environment's
     * file name): picocli reads those, with its help and messages.
     */
    static Optional<RunCommand> plainInvocation(String[] args, Map<String, String> environment) {
        if (args.length == 0 || !args[0].equals(Main.SIDECAR)) return Optional.empty();
        RunCommand command = new RunCommand();
        String config = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            String value = name.equals(arg) ? (i + 1 < args.length ? args[++i] : null) : arg.substring(equals + 1);
            // picocli reads "@file" as the file's arguments
            if (value == null || value.startsWith("-") || value.startsWith("@")) return Optional.empty();
            if (CONFIG_NAMES.contains(name) && config == null) {
                config = value;
            } else if (name.equals(LOG_FORMAT_NAME) && command.logFormat == null) {
                command.logFormat = value;
            } else {
                return Optional.empty();
            }
        }
        String fromEnvironment = environment.get(CONFIG_ENV);
        // picocli substitutes variables in the default it reads from there ("$$", "${...}")
        if (config == null && fromEnvironment != null && fromEnvironment.contains("$")) return Optional.empty();
        command.configFile = Optional.ofNullable(config).or(() -> Optional.ofNullable(fromEnvironment)).map(Path::of).orElse(null);
        return Optional.of(command);
    }

    /** Runs the sidecar, and on a failure says why on {@code err} as picocli's run would, returning the exit code. */
    int callReporting(PrintWriter err) {
        try {
            return call();
        } catch (Exception e) {
            return ErrorReporter.report(e, err);
        }
    }

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
            if (config.ha().autogroups().turnsOff(System.getenv())) CpuShare.turnAutogroupsOffThenRaise();
            else CpuShare.raiseForThisProcess();
            if (config.ha().realtimePriority()) RealTimeThreads.enableForThisProcess();
            // before the store's client and the failsafe's HTTP client ask for the default (see the class)
            NoTlsDefaultContext.install();
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
