package dev.pgmanager.platform.cli;

import dev.pgmanager.cli.DurationConverter;
import dev.pgmanager.cli.Json;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.cli.OutputFormat;
import dev.pgmanager.cli.OutputOption;
import dev.pgmanager.config.StoreConfig.StoreMode;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.platform.LocalCluster;
import dev.pgmanager.platform.LocalHaSettings;
import dev.pgmanager.platform.LocalPlatform;
import dev.pgmanager.platform.LocalStatus;
import dev.pgmanager.platform.NewClusterSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgmanager local}: a real cluster on this machine, one process per member. */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a real cluster on this machine: an embedded ZooKeeper and DNS server (the 'platform'), and one sidecar",
            "process per member, each with its own loopback address (127.x.y.z), ports, data directory and a",
            "14-hex-digit machine ID like Fly's. Everything lives under --dir (default ./.pgmanager-local).",
        },
        subcommands = {
            LocalCommand.Up.class, LocalCommand.Status.class, LocalCommand.Add.class, LocalCommand.Down.class,
            LocalForkCommand.class, LocalRestoreCommand.class, LocalCommand.Platform.class,
        })
final class LocalCommand implements Runnable {
    static final String DEFAULT_DIR = ".pgmanager-local";

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The directory option every local command shares. */
    static class Dir {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
                description = "The local cluster's directory (default: ${DEFAULT-VALUE}).")
        Path dir;

        LocalCluster cluster() {
            return LocalCluster.at(dir);
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = {
        "Creates the cluster if the directory holds none, starts whatever of it is not running, and returns once one",
        "primary and N-1 streaming replicas exist. Prints the members and a DATABASE_URL listing every member with",
        "target_session_attrs=read-write. On a running cluster it changes nothing and prints the same.",
    })
    static final class Up implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        Dir dir = new Dir();

        @Mixin
        PasswordOption password = new PasswordOption();

        @Option(names = "--nodes", defaultValue = "3", description = "Members to create (default: ${DEFAULT-VALUE}; ignored for an existing cluster).")
        int nodes;

        @Option(names = "--timeout", defaultValue = "180s", converter = DurationConverter.class,
                description = "How long to wait for the cluster to become healthy (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--session-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "The members' store.session_timeout (the lease's length) for a new cluster (default: the sidecar's, "
                        + dev.pgmanager.config.StoreConfig.DEFAULT_SESSION_TIMEOUT_TEXT + ").")
        Duration sessionTimeout;

        @Option(names = "--synchronous-mode", paramLabel = "MODE", defaultValue = "off",
                converter = SynchronousModeConverter.class,
                description = "The members' ha.synchronous_mode for a new cluster: off, on (FIRST n standbys) or quorum (ANY n) "
                        + "(default: ${DEFAULT-VALUE}).")
        SynchronousMode synchronousMode;

        @Option(names = "--synchronous-node-count", paramLabel = "N", defaultValue = "1",
                description = "The members' ha.synchronous_node_count for a new cluster (default: ${DEFAULT-VALUE}).")
        int synchronousNodeCount;

        @Option(names = "--synchronous-strict",
                description = "ha.synchronous_mode_strict for a new cluster: with no synchronous standby, writes wait.")
        boolean synchronousStrict;

        @Option(names = "--failsafe", description = "ha.failsafe_mode for a new cluster: a primary that loses the store keeps "
                + "accepting writes while every member confirms it follows it.")
        boolean failsafe;

        @Option(names = "--nosync-members", paramLabel = "N", defaultValue = "0",
                description = "Tag the last N members of a new cluster ha.nosync: never synchronous standbys (default: ${DEFAULT-VALUE}).")
        int nosyncMembers;

        @Option(names = "--store", defaultValue = "external", paramLabel = "MODE",
                description = "For a new cluster: 'external' (the platform process runs ZooKeeper, as an ensemble run elsewhere "
                        + "would) or 'ensemble' (ZooKeeper peers inside the first 3 members' sidecars, named by machine-ID DNS "
                        + "names; the platform runs only the DNS). Default: ${DEFAULT-VALUE}.")
        String store;

        @Option(names = "--no-backups", description = "For a new cluster: no object storage and no backups. By default the "
                + "platform serves an S3 endpoint (S3Proxy, files under DIR/platform/s3) and the members archive WAL and take "
                + "backups there with pgBackRest, as a Fly cluster does to Tigris.")
        boolean noBackups;

        @Override
        public Integer call() throws Exception {
            StoreMode mode = switch (store.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "external" -> StoreMode.EXTERNAL;
                case "ensemble" -> StoreMode.ENSEMBLE;
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--store must be external or ensemble, was " + store);
            };
            NewClusterSettings settings;
            try {
                LocalHaSettings ha = new LocalHaSettings(synchronousMode, synchronousNodeCount, synchronousStrict, failsafe, nosyncMembers);
                settings = NewClusterSettings.DEFAULTS.withStoreMode(mode)
                        .withSessionTimeout(java.util.Optional.ofNullable(sessionTimeout)).withHa(ha);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            boolean backups = !noBackups && dev.pgmanager.backup.PgBackRest.installed();
            if (!noBackups && !backups && dir.cluster().file().isEmpty()) {
                System.err.println("pgmanager: the new cluster has no backups: pgbackrest is not installed (Debian: apt-get "
                        + "install pgbackrest; bin/test installs it). Install it first for a cluster with backups.");
            }
            LocalStatus status = dir.cluster().up(nodes, backups ? settings : settings.withoutBackups(), timeout, System.err);
            System.out.print(LocalStatusText.table(status, password, dir.dir));
            return 0;
        }
    }

    /** off, on or quorum, in any case. */
    static final class SynchronousModeConverter implements picocli.CommandLine.ITypeConverter<SynchronousMode> {
        @Override
        public SynchronousMode convert(String value) {
            return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "off" -> SynchronousMode.OFF;
                case "on" -> SynchronousMode.ON;
                case "quorum" -> SynchronousMode.QUORUM;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not a synchronous mode (use off, on or quorum)");
            };
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows each member's role, state, timeline, lag, address, ports and PID.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        Dir dir = new Dir();

        @Mixin
        PasswordOption password = new PasswordOption();

        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            LocalStatus status = dir.cluster().status();
            var out = spec.commandLine().getOut();
            out.print(output.format == OutputFormat.json
                    ? Json.pretty(password.printable(status)) + "\n"
                    : LocalStatusText.table(status, password, dir.dir));
            out.flush();
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {
        "Grows the cluster: adds members with new machine IDs and the next unused addresses of its network, listed in",
        "DNS, starts them (each clones the leader) and returns once every member streams. A forked cluster starts with",
        "one member. In store mode ensemble new members are clients of the ensemble (see `store replace-peer`).",
    })
    static final class Add implements Callable<Integer> {
        @Mixin
        Dir dir = new Dir();

        @Mixin
        PasswordOption password = new PasswordOption();

        @Option(names = "--count", defaultValue = "1", description = "Members to add (default: ${DEFAULT-VALUE}; 9 at most in all).")
        int count;

        @Option(names = "--timeout", defaultValue = "180s", converter = DurationConverter.class,
                description = "How long to wait for the new members to stream (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            System.out.print(LocalStatusText.table(dir.cluster().add(count, timeout, System.err), password, dir.dir));
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stops every member and the platform. With --purge, also deletes the directory and all its data.")
    static final class Down implements Callable<Integer> {
        @Mixin
        Dir dir = new Dir();

        @Option(names = "--purge", description = "Also delete the cluster's directory, data included.")
        boolean purge;

        @Override
        public Integer call() throws Exception {
            LocalCluster cluster = dir.cluster();
            // --purge deletes the directory: never one that is not a local cluster's (a mistyped --dir), and without
            // its cluster.json nothing would be stopped anyway
            if (cluster.file().isEmpty()) {
                throw new IllegalArgumentException("no local cluster in " + dir.dir + " (no cluster.json): nothing stopped"
                        + (purge ? ", nothing removed" : "") + ". A cluster whose directory was removed by hand leaves its "
                        + "processes running: their command lines name the directory (pgrep -af " + dir.dir + ")");
            }
            cluster.down(purge);
            System.out.println(purge ? "stopped and removed " + dir.dir : "stopped the cluster in " + dir.dir + " (its data is kept)");
            return 0;
        }
    }

    // What a platform does to one machine: one method each (picocli adds them as subcommands), one Member mixin for all.

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = "SIGKILLs a member's sidecar and its PostgreSQL at once: a crash of the whole machine.")
    void kill(@Mixin Member member) throws Exception {
        member.act(LocalCluster::kill, "killed %s");
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stops a member gracefully (SIGTERM, as a platform stops a machine); a leader hands over first.")
    void stop(@Mixin Member member) throws Exception {
        member.act(LocalCluster::stop, "stopped %s");
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Starts a stopped or killed member again (and "
            + "makes its DNS name answer, as a platform starting a machine does); it rejoins the cluster by itself.")
    void start(@Mixin Member member) throws Exception {
        member.act(LocalCluster::start, "started %s");
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, description = {
        "Moves a member as a platform migrates a machine: stops it with its kill signal (a leader hands over first),",
        "forks its volume (copies it; the original is kept aside), gives it a new address and starts it with the same",
        "machine ID. With --dns-lag, DNS keeps answering the old address for that long after the start.",
    })
    void migrate(@Mixin Member member,
                 @Option(names = "--dns-lag", paramLabel = "SECONDS", defaultValue = "0",
                         description = "Seconds between the member's start and the DNS update (default: ${DEFAULT-VALUE}).")
                 double dnsLagSeconds) throws Exception {
        if (dnsLagSeconds < 0) throw new IllegalArgumentException("--dns-lag must not be negative");
        Duration dnsLag = Duration.ofMillis(Math.round(dnsLagSeconds * 1000));
        var moved = member.dir.cluster().migrate(member.machineId, dnsLag, System.err);
        System.out.println("migrated " + member.machineId + " to " + moved.address());
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true, description = {
        "Destroys a member's machine and its volume, as a platform does: kills it, deletes its data (PostgreSQL and",
        "ZooKeeper; its log is kept aside) and takes its name out of DNS. There is no undo.",
    })
    void destroy(@Mixin Member member) throws Exception {
        member.act(LocalCluster::destroy, "destroyed %s");
    }

    @Command(name = "isolate", mixinStandardHelpOptions = true, description = {
        "Cuts a member off from the store, as a network partition would: its traffic to ZooKeeper is silenced (not",
        "reset), so its lease runs out and a leader must stop accepting writes. Undo with `local heal`.",
    })
    void isolate(@Mixin Member member) throws Exception {
        member.act(LocalCluster::isolate, "isolated %s from the store");
    }

    @Command(name = "heal", mixinStandardHelpOptions = true, description = "Ends a member's isolation from the store.")
    void heal(@Mixin Member member) throws Exception {
        member.act(LocalCluster::heal, "healed %s");
    }

    @Command(name = "object-storage", mixinStandardHelpOptions = true, description = {
        "Stops the platform's S3 server, as an outage of the object storage would (stop), or starts it again (start).",
        "While it is out the leader's WAL stays on its volume and archiving is retried; pgmanager list and doctor say so.",
    })
    void objectStorage(@Mixin Dir dir,
            @Parameters(paramLabel = "stop|start", description = "stop or start") String action) throws Exception {
        switch (action) {
            case "stop" -> dir.cluster().objectStorageOutage(true);
            case "start" -> dir.cluster().objectStorageOutage(false);
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "object-storage takes stop or start, not " + action);
        }
        System.out.println("object storage " + (action.equals("stop") ? "stopped" : "started") + " (within a tenth of a second)");
    }

    /** One member of the local cluster: the cluster's directory and the member's machine ID. */
    static final class Member {
        @Mixin
        Dir dir = new Dir();

        @Parameters(paramLabel = "MACHINE_ID", description = "The member's machine ID (see `local status`).")
        String machineId;

        /** Does {@code action} to the member and says so: {@code done} with the machine ID for its {@code %s}. */
        void act(MemberAction action, String done) throws Exception {
            action.on(dir.cluster(), machineId);
            System.out.println(done.formatted(machineId));
        }
    }

    /** What a platform does to one machine of the cluster. */
    @FunctionalInterface
    interface MemberAction {
        void on(LocalCluster cluster, String machineId) throws Exception;
    }

    @Command(name = "platform", hidden = true, description = "Runs a local cluster's ZooKeeper and DNS server (started by `local up`).")
    static final class Platform implements Callable<Integer> {
        @Mixin
        Dir dir = new Dir();

        @Override
        public Integer call() throws Exception {
            LocalClusterFile cluster = LocalClusterFile.read(dir.dir)
                    .orElseThrow(() -> new IllegalArgumentException("no local cluster in " + dir.dir));
            CountDownLatch stopped = new CountDownLatch(1);
            // The store's server wants the CPU as promptly as the sidecars do: its answers confirm their leases.
            dev.pgmanager.sidecar.CpuShare.raiseForThisProcess();
            dev.pgmanager.realtime.RealTimeThreads.enableForThisProcess();
            LocalPlatform platform = LocalPlatform.start(dir.dir, cluster);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                platform.close();
                stopped.countDown();
            }));
            System.out.println(cluster.ensembleMode()
                    ? "platform serving DNS on 127.0.0.1:" + cluster.dnsPort() + " (the members run the store)"
                    : "platform serving ZooKeeper on " + cluster.storeConnectString() + " and DNS on 127.0.0.1:" + cluster.dnsPort());
            stopped.await();
            return 0;
        }
    }
}
