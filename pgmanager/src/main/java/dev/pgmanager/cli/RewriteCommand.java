package dev.pgmanager.cli;

import dev.pgmanager.ebpf.ConnectLatencyBenchmark;
import dev.pgmanager.ebpf.RewriteEntry;
import dev.pgmanager.ebpf.RewriterAttachment;
import dev.pgmanager.ebpf.RewriterSettings;
import dev.pgmanager.ebpf.RewriterStatus;
import dev.pgmanager.ebpf.StaleAddressRewriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pgmanager rewrite}: the eBPF stale-address rewriter's pinned programs and entries on this machine. */
@Command(
        name = "rewrite",
        mixinStandardHelpOptions = true,
        description = {
            "The stale-address rewriter on this machine: BPF programs attached to a cgroup that send connections and "
                    + "datagrams aimed at a migrated machine's old address to its current one (same port).",
            "They are pinned in bpffs, so they keep working after this command exits. Needs root (or CAP_BPF and "
                    + "CAP_NET_ADMIN). pgmanager itself never depends on the rewriter.",
        },
        subcommands = {
            RewriteCommand.Status.class,
            RewriteCommand.ListEntries.class,
            RewriteCommand.Add.class,
            RewriteCommand.Remove.class,
            RewriteCommand.Detach.class,
            RewriteCommand.Bench.class,
        })
final class RewriteCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The pin directory option every subcommand shares. */
    static final class PinRoot {
        @Option(names = "--pin-root", paramLabel = "DIR", defaultValue = "/sys/fs/bpf/pgmanager",
                description = "The bpffs directory of the pinned programs and maps (default: ${DEFAULT-VALUE}).")
        Path pinRoot;

        RewriterSettings settings() {
            return RewriterSettings.defaults().withPinRoot(pinRoot);
        }

        /** The pinned rewriter, or the command fails with the reason it is off. */
        StaleAddressRewriter openPinned() {
            return switch (StaleAddressRewriter.openPinned(settings())) {
                case RewriterStatus.Running running -> running.rewriter();
                case RewriterStatus.Off off -> throw new CommandFailed("rewriter off: " + off.reason());
            };
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Where the rewriter is attached, its entries and their hits. Exits 1 when it is not attached.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        PinRoot pins;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (StaleAddressRewriter rewriter = pins.openPinned()) {
                RewriterAttachment attachment = rewriter.attachment();
                List<RewriteEntry> entries = rewriter.entries();
                PrintWriter out = spec.commandLine().getOut();
                out.println("attached to cgroup " + attachment.cgroup().map(Path::toString)
                        .orElse("id " + attachment.cgroupId() + " (its directory is gone)"));
                out.println("pinned under " + attachment.pinRoot());
                out.println("hooks: " + String.join(" ", attachment.hooks()));
                out.println("entries: " + entries.size() + ", hits: " + entries.stream().mapToLong(RewriteEntry::hits).sum());
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The entries: old address, current address, hits.")
    static final class ListEntries implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        PinRoot pins;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (StaleAddressRewriter rewriter = pins.openPinned()) {
                TextTable table = new TextTable("OLD", "CURRENT", "HITS");
                for (RewriteEntry entry : rewriter.entries()) {
                    table.row(entry.oldAddress().getHostAddress(), entry.currentAddress().getHostAddress(), entry.hits());
                }
                table.print(spec.commandLine().getOut());
            }
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Rewrites OLD to NEW, attaching the programs first when nothing is pinned.")
    static final class Add implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        PinRoot pins;

        @Option(names = "--cgroup", paramLabel = "DIR",
                description = "The cgroup v2 directory to attach to when nothing is attached yet (default: the root of the "
                        + "cgroup2 mount, i.e. the whole machine).")
        Path cgroup;

        @Parameters(index = "0", paramLabel = "OLD", description = "The stale address processes still dial.")
        InetAddress oldAddress;

        @Parameters(index = "1", paramLabel = "NEW", description = "The address to send them to instead.")
        InetAddress current;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            // Without --cgroup, whatever is pinned is used wherever it is attached; only an empty pin directory attaches.
            RewriterStatus status = cgroup == null ? StaleAddressRewriter.openPinned(pins.settings()) : null;
            if (!(status instanceof RewriterStatus.Running)) {
                status = StaleAddressRewriter.open(new RewriterSettings(pins.pinRoot, Optional.ofNullable(cgroup)));
            }
            StaleAddressRewriter opened = switch (status) {
                case RewriterStatus.Running running -> running.rewriter();
                case RewriterStatus.Off off -> throw new CommandFailed("rewriter off: " + off.reason());
            };
            try (StaleAddressRewriter rewriter = opened) {
                try {
                    rewriter.rewrite(oldAddress, current);
                } catch (IllegalArgumentException e) {
                    throw new CommandFailed(e.getMessage());
                }
                spec.commandLine().getOut().println("rewriting " + oldAddress.getHostAddress() + " to "
                        + current.getHostAddress() + " (cgroup " + rewriter.attachment().cgroup().map(Path::toString)
                                .orElse("?") + ")");
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Stops rewriting OLD.")
    static final class Remove implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        PinRoot pins;

        @Parameters(index = "0", paramLabel = "OLD", description = "The old address of the entry.")
        InetAddress oldAddress;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (StaleAddressRewriter rewriter = pins.openPinned()) {
                if (!rewriter.remove(oldAddress)) {
                    throw new CommandFailed(oldAddress.getHostAddress() + " is not rewritten");
                }
            }
            spec.commandLine().getOut().println("no longer rewriting " + oldAddress.getHostAddress());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true,
            description = "Detaches the programs from their cgroup and removes every pin (entries included).")
    static final class Detach implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        PinRoot pins;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            switch (StaleAddressRewriter.openPinned(pins.settings())) {
                case RewriterStatus.Off off -> out.println("nothing detached: " + off.reason());
                case RewriterStatus.Running running -> {
                    StaleAddressRewriter rewriter = running.rewriter();
                    Optional<Path> cgroup = rewriter.attachment().cgroup();
                    rewriter.detach();
                    out.println("detached from cgroup " + cgroup.map(Path::toString).orElse("(gone)")
                            + "; removed " + pins.pinRoot);
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, description = {
        "Mean TCP connect latency to a listener on ::1 with no program attached, attached with entries none of which",
        "match, and attached with the destination rewritten; prints each and the ratio. Runs in a cgroup and a pin",
        "directory of its own (removed afterwards); the machine's rewriter, if any, is left alone.",
    })
    static final class Bench implements Callable<Integer> {
        @Option(names = "--connects", defaultValue = "10000", description = "Connects per case (default: ${DEFAULT-VALUE}).")
        int connects;

        @Option(names = "--entries", defaultValue = "1000",
                description = "Entries in the map that do not match (default: ${DEFAULT-VALUE}).")
        int entries;

        @Override
        public Integer call() throws Exception {
            try {
                new ConnectLatencyBenchmark(System.out).run(connects, entries);
            } catch (IllegalStateException e) {
                throw new CommandFailed(e.getMessage(), e);
            }
            return 0;
        }
    }
}
