package dev.pgmanager.cli;

import dev.pgmanager.dns.MachineNameResolverProvider;
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
            CommandLine.HelpCommand.class,
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command ran and failed (the message says why)",
            "2:invalid command line or configuration",
        })
public final class Main implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Before anything resolves a name: the JVM reads its address cache policy once (see the provider).
        MachineNameResolverProvider.disableJvmAddressCache();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, with every {@link CommandExtension} on the class path; shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        ServiceLoader.load(CommandExtension.class).forEach(extension -> extension.commands().forEach(commandLine::addSubcommand));
        return commandLine.setExecutionExceptionHandler(new ErrorReporter());
    }
}
