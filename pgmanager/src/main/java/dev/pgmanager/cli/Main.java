package dev.pgmanager.cli;

import dev.pgmanager.dns.MachineNameResolverProvider;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code pgmanager} command line: the sidecar, the store, and the operator's tools. */
@Command(
        name = "pgmanager",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "PostgreSQL high availability for machines whose addresses change.",
            "Members are known by machine ID; their addresses are looked up in DNS when needed, never stored.",
            "The operator commands (list, top, history, switchover, drain, failover, pause, resume, restart, reinit, rejoin, doctor) find the cluster "
                    + "through --dir (a local cluster), or --store and --cluster (env PGMANAGER_STORE and FLY_APP_NAME).",
        },
        subcommands = {
            RunCommand.class,
            StoreCommand.class,
            ListCommand.class,
            TopCommand.class,
            HistoryCommand.class,
            SwitchoverCommand.class,
            DrainCommand.class,
            FailoverCommand.class,
            PauseCommand.class,
            ResumeCommand.class,
            RestartCommand.class,
            ConfigCommand.class,
            MigrateCommand.class,
            ReinitCommand.class,
            ForkCommand.class,
            AttachCommand.class,
            DetachCommand.class,
            RejoinCommand.class,
            DoctorCommand.class,
            RewriteCommand.class,
            BackupCommand.class,
            RestoreCommand.class,
            AotCacheCommand.class,
            CommandLine.HelpCommand.class,
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command ran and failed (the message says why)",
            "2:invalid command line or configuration",
        })
public final class Main implements Runnable {
    /**
     * The width of every {@code --help}: the commands' descriptions are written a line per element, up to 120 characters,
     * and picocli's default of 80 would break each of those lines in two.
     */
    static final int HELP_WIDTH = 120;

    /** The sidecar's command, the container's entry point. */
    static final String SIDECAR = "run";

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Before anything resolves a name: the JVM reads its address cache policy once (see the provider).
        MachineNameResolverProvider.disableJvmAddressCache();
        System.exit(RunCommand.plainInvocation(args, System.getenv())
                .map(sidecar -> sidecar.callReporting(new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true)))
                .orElseGet(() -> commandLineFor(args).execute(args)));
    }

    /**
     * The command line to execute {@code args}: for {@code pgmanager run}, one of the sidecar's command alone (same
     * name, help and errors). A sidecar restarts on every migration, and the model of every other command (read from
     * their annotations, a fifth of a second with the C1 compiler) is not worth its wait. Shared by {@link #main} and tests.
     */
    public static CommandLine commandLineFor(String... args) {
        if (args.length > 0 && args[0].equals(SIDECAR)) {
            return new CommandLine(CommandSpec.create().name("pgmanager"))
                    .addSubcommand(SIDECAR, new RunCommand())
                    .setUsageHelpWidth(HELP_WIDTH)
                    .setExecutionExceptionHandler(new ErrorReporter());
        }
        return commandLine();
    }

    /** The configured command line, with every {@link CommandExtension} on the class path; shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        ServiceLoader.load(CommandExtension.class).forEach(extension -> extension.commands().forEach(commandLine::addSubcommand));
        return commandLine.setUsageHelpWidth(HELP_WIDTH).setExecutionExceptionHandler(new ErrorReporter());
    }
}
