package dev.pgmanager.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Holds every process of a running server still (SIGSTOP), then lets it go on (SIGCONT) or kills it (SIGKILL). A frozen
 * primary commits nothing and answers nobody, like a stopped one, but keeps its connections, its shared buffers and its
 * place in the WAL: thawed, it goes on as if it had been slow for a moment. That makes a fence that can be undone.
 *
 * <p>PostgreSQL puts each of its children in a session of its own, so no process group reaches them all: the postmaster
 * is stopped first (it forks no more), then every process under it, scanned again until a scan finds none new (a fork
 * under way when the postmaster stopped completes first; a child running archive_command may have started another).
 * Processes are held by {@link ProcessHandle}, which knows each one's start time: a PID the kernel gave to another
 * process since is never signalled.
 *
 * <p>The WAL senders are left running. They commit nothing, and they ship to the replicas the WAL of every commit
 * acknowledged before the freeze (a commit is acknowledged once it is flushed here, not once it is sent; a backend may
 * acknowledge one in the moment between the postmaster's stop and its own). Frozen with the rest, a sender could hold
 * such a commit back, and a primary killed for a lost lease then lost an acknowledged write that its replicas would
 * otherwise have had before any of them could be promoted (a CI run of a migration in ensemble mode did).
 */
final class ServerFreezer {
    private static final Duration STOP_WAIT = Duration.ofSeconds(1);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final int SCANS = 5;

    private ServerFreezer() {}

    /**
     * Stops {@code postmaster} and every process under it.
     *
     * @return the processes stopped, the postmaster first
     */
    static FrozenServer freeze(ProcessHandle postmaster) {
        signal(postmaster, ProcessSignal.SIGSTOP);
        Set<ProcessHandle> stopped = new LinkedHashSet<>();
        stopped.add(postmaster);
        // The children at once (a backend waits for nothing), then again once the postmaster has surely stopped: a
        // fork under way when the signal came completes before it does.
        stopNew(postmaster, stopped);
        awaitStopped(postmaster, System.nanoTime() + STOP_WAIT.toNanos());
        for (int scan = 0; scan < SCANS; scan++) {
            if (!stopNew(postmaster, stopped)) break;
        }
        // A signal takes effect when its process next runs: one busy on the other core stops a moment later, one in a
        // system call (an fsync) when that returns, before it runs another instruction of its own.
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        for (ProcessHandle process : stopped) awaitStopped(process, deadline);
        return new FrozenServer(postmaster, List.copyOf(stopped));
    }

    /**
     * Lets a frozen server go on: the postmaster first, so that a shutdown it was asked for meanwhile reaches its children
     * before they run.
     */
    static void thaw(FrozenServer server) {
        for (ProcessHandle process : server.processes()) signal(process, ProcessSignal.SIGCONT);
    }

    /**
     * Kills every process of a frozen server, those it held and any under its postmaster now, and returns once they are
     * gone: a frozen server cannot shut down (a stop request waits for it to run), and thawing it to ask would let it
     * commit first. Also when its postmaster is gone already: a stopped backend never runs to notice, and would hold the
     * server's shared memory, so that no new postmaster could start.
     */
    static void kill(FrozenServer server) {
        List<ProcessHandle> all = Stream.concat(server.processes().stream(), server.postmaster().descendants())
                .distinct().toList();
        for (ProcessHandle process : all) signal(process, ProcessSignal.SIGKILL);
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        // A new postmaster refuses to start while a process of the old one still holds its shared memory.
        while (all.stream().anyMatch(ServerFreezer::running)) {
            if (System.nanoTime() > deadline) {
                List<Long> left = all.stream().filter(ServerFreezer::running).map(ProcessHandle::pid).toList();
                throw new PostgresException("processes of the killed postmaster " + server.postmaster().pid()
                        + " are still alive after " + KILL_WAIT.toSeconds() + " s: " + left);
            }
            pause();
        }
    }

    /** True when {@code pid} is stopped by a signal (state T in /proc). */
    static boolean isStopped(long pid) {
        return Postmaster.state(pid) == 'T';
    }

    /** Stops the processes under {@code postmaster} not stopped yet, but its WAL senders; returns whether there were any. */
    private static boolean stopNew(ProcessHandle postmaster, Set<ProcessHandle> stopped) {
        Set<Long> senders = Set.copyOf(Postmaster.walSenders(postmaster.pid()));
        List<ProcessHandle> fresh = new ArrayList<>(postmaster.descendants()
                .filter(p -> !stopped.contains(p) && !senders.contains(p.pid())).toList());
        for (ProcessHandle process : fresh) {
            signal(process, ProcessSignal.SIGSTOP);
            stopped.add(process);
        }
        return !fresh.isEmpty();
    }

    /** Until {@code process} is stopped or gone, or the deadline (nanoTime): one in uninterruptible I/O stops when that ends. */
    private static void awaitStopped(ProcessHandle process, long deadline) {
        while (!isStopped(process.pid()) && running(process) && System.nanoTime() < deadline) pause();
    }

    /** Signals a process that is still the one the handle names; one that exited meanwhile needs none. */
    private static void signal(ProcessHandle process, int signal) {
        if (!process.isAlive()) return;
        try {
            ProcessSignal.send(process.pid(), signal);
        } catch (PostgresException e) {
            if (process.isAlive()) throw e;
        }
    }

    /** Alive and not a zombie: a killed process its parent has not reaped yet holds nothing any more. */
    static boolean running(ProcessHandle process) {
        if (!process.isAlive()) return false;
        char state = Postmaster.state(process.pid());
        return state != 0 && state != 'Z' && state != 'X';
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while waiting for the server's processes", e);
        }
    }
}
