package dev.pgmanager.sidecar;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the sidecar the CPU before its PostgreSQL when both want it. The lease must be confirmed within half a session
 * timeout; a sidecar that waits behind busy backends for the CPU misses that, and its primary fences itself although
 * nothing failed. Seen on 2 cores under select-only pgbench (bench router): a garbage collection of 50 ms of work took
 * the primary's sidecar 2 to 5 s, its 50 ms deadline check ran half a second late, and the primary fenced itself in
 * most runs; with the sidecar's session raised, none did.
 *
 * <p>Linux shares the CPU first between sessions ("autogroups"), then between the threads of each. PostgreSQL runs in a
 * session of its own ({@code ServerLauncher}), and the sidecar's session gets a niceness of {@value #SIDECAR_NICE}:
 * about three times PostgreSQL's weight while both are busy, and nothing taken from PostgreSQL while the sidecar is idle,
 * which it almost always is. Needs root (CAP_SYS_NICE), as the sidecar has in the image; elsewhere it is said and
 * skipped. Autogroups apply only to processes in the root CPU cgroup (a Fly machine's processes, a VM's): in a container's
 * CPU cgroup the kernel shares between threads, and PostgreSQL's own niceness of 5 ({@code ServerLauncher}) keeps the
 * sidecar ahead there.
 *
 * <p>Sharing between sessions first has a flaw of its own: on a 2-core machine with Linux 6.18 (EEVDF), under
 * select-only pgbench through HAProxy, a process that sleeps 10 ms in a loop in a session of its own went 0.5 to 11 s
 * without the CPU, at niceness 0 or -5 alike, and so did the sidecars (their lease lost, their API silent); with
 * autogroups off, 8 ms at most. A member that has its machine to itself (a Fly machine; {@code ha.autogroups}) turns
 * them off, as PostgreSQL's tuning guides advise for database servers: threads then share the CPU, and PostgreSQL's
 * niceness keeps the sidecar ahead.
 */
public final class CpuShare {
    /** Weight 3121 against 1024 for nice 0 (the kernel's table). */
    public static final int SIDECAR_NICE = -5;
    private static final Logger log = LoggerFactory.getLogger(CpuShare.class);
    /**
     * The kernel lets a process without CAP_SYS_ADMIN change an autogroup's niceness once per 100 ms machine-wide and
     * answers "try again" inside that window: sidecars starting together (containers on one host) take turns.
     */
    private static final int ATTEMPTS = 10;
    private static final Duration RETRY_AFTER = Duration.ofMillis(150);

    private CpuShare() {}

    private static final Path AUTOGROUP_SWITCH = Path.of("/proc/sys/kernel/sched_autogroup_enabled");

    /** Raises this process's session's share; a kernel without autogroups or a lack of privilege is logged, not fatal. */
    public static void raiseForThisProcess() {
        raise(Path.of("/proc/self/autogroup"), AUTOGROUP_SWITCH, Path.of("/proc/self/cgroup")).ifPresent(log::info);
    }

    /** Turns the kernel's autogroup scheduling off, then raises this process's session's share as far as it still counts. */
    public static void turnAutogroupsOffThenRaise() {
        turnAutogroupsOff(AUTOGROUP_SWITCH, Path.of("/proc/self/cgroup")).ifPresent(log::info);
        raiseForThisProcess();
    }

    /**
     * Writes 0 to the kernel's switch {@code enabledSwitch} when it is on and this process is in the root CPU cgroup;
     * returns what to tell the operator: that it was turned off, or why not. Nothing when there is nothing to do (the
     * switch off already, or missing: {@link #raise} says so). The switch is the whole machine's and stays as written
     * after the sidecar exits; in a container's CPU cgroup autogroups do not apply to the sidecar, and the machine is
     * the host's (a privileged container can write its {@code /proc/sys}), so it is left alone there.
     */
    static Optional<String> turnAutogroupsOff(Path enabledSwitch, Path cgroups) {
        Optional<String> current = readQuietly(enabledSwitch).map(String::strip);
        if (current.isEmpty() || current.get().equals("0")) return Optional.empty();
        Optional<String> cpuGroup = containerCpuGroup(cgroups);
        if (cpuGroup.isPresent()) {
            return Optional.of("left the kernel's autogroup scheduling on: the sidecar runs in CPU cgroup " + cpuGroup.get()
                    + " (a container), where autogroups do not apply to it, and the switch is the host's");
        }
        try (FileOutputStream out = new FileOutputStream(enabledSwitch.toFile())) {
            out.write('0');
        } catch (IOException e) {
            return Optional.of("could not turn the kernel's autogroup scheduling off (" + e.getMessage() + "; it needs root and a "
                    + "writable /proc/sys, as a Fly machine has): sessions share the CPU first, and a busy session can keep "
                    + "the sidecar waiting for seconds; set ha.autogroups: keep to leave them on without this message");
        }
        return Optional.of("turned the kernel's autogroup scheduling off (" + enabledSwitch + " was " + current.get() + "): "
                + "threads, not sessions, now share this machine's CPU, and PostgreSQL's niceness of 5 keeps the sidecar ahead "
                + "of it (sessions sharing first left a waiting session seconds without the CPU; ha.autogroups: keep leaves it on)");
    }

    /** Writes the niceness to {@code autogroup}; returns what to tell the operator when it could not or need not. */
    static Optional<String> raise(Path autogroup, Path enabledSwitch, Path cgroups) {
        if (!Files.exists(autogroup) || readQuietly(enabledSwitch).map(v -> v.strip().equals("0")).orElse(false)) {
            return Optional.of("the kernel shares the CPU without autogroups: the sidecar's session keeps its priority, and "
                    + "PostgreSQL's niceness of 5 alone keeps the sidecar ahead of it");
        }
        Optional<String> cpuGroup = containerCpuGroup(cgroups);
        if (cpuGroup.isPresent()) {
            return Optional.of("the sidecar runs in CPU cgroup " + cpuGroup.get() + " (a container), where the kernel shares "
                    + "the CPU between threads, not sessions: PostgreSQL's niceness of 5 alone keeps the sidecar ahead of it");
        }
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            // A plain file stream: the kernel's "try again" (EAGAIN) is an IOException here, where an NIO channel's
            // stream throws an unchecked "no bytes written"
            try (FileOutputStream out = new FileOutputStream(autogroup.toFile())) {
                out.write(Integer.toString(SIDECAR_NICE).getBytes(StandardCharsets.US_ASCII));
                return Optional.empty();
            } catch (IOException e) {
                last = e;
                if (!String.valueOf(e.getMessage()).contains("temporarily unavailable")) break;
            }
            try {
                Thread.sleep(RETRY_AFTER.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.of("could not raise the sidecar's CPU share above PostgreSQL's (" + last.getMessage() + "; it needs root): "
                + "under a CPU-bound load a primary may fence itself although nothing failed");
    }

    /**
     * The cgroup that decides this process's CPU share, from {@code /proc/self/cgroup}: the v1 hierarchy with the cpu
     * controller, else the v2 one ({@code 0::PATH}).
     */
    static Optional<String> cpuCgroup(String procCgroup) {
        Optional<String> unified = Optional.empty();
        for (String line : procCgroup.lines().toList()) {
            String[] fields = line.split(":", 3);
            if (fields.length < 3) continue;
            if (java.util.Arrays.asList(fields[1].split(",")).contains("cpu")) return Optional.of(fields[2]);
            if (fields[0].equals("0") && fields[1].isEmpty()) unified = Optional.of(fields[2]);
        }
        return unified;
    }

    /** This process's CPU cgroup when it is not the root one (a container's), from {@code /proc/self/cgroup}. */
    private static Optional<String> containerCpuGroup(Path cgroups) {
        return readQuietly(cgroups).flatMap(CpuShare::cpuCgroup).filter(path -> !path.equals("/"));
    }

    private static Optional<String> readQuietly(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
