package dev.pgmanager.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Holds every process of a running server still (SIGSTOP), then lets it go on (SIGCONT) or kills it (SIGKILL). A frozen
 * primary commits nothing and answers nobody, like a stopped one, but keeps its connections, its shared buffers and its
 * place in the WAL: thawed, it goes on as if it had been slow for a moment. That makes a fence that can be undone.
 *
 * <p>PostgreSQL puts each of its children in a session of its own, so no process group reaches them all: the postmaster
 * is stopped first (it forks no more), then every process under it, scanned again until a scan finds none new (a child
 * running archive_command may itself have started one).
 */
final class ServerFreezer {
    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;
    /** How long a postmaster caught in a system call (an fsync, a fork) may take to stop before its children are listed. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(1);
    private static final int SCANS = 5;

    private ServerFreezer() {}

    /** Stops {@code postmaster} and every process under it; returns once none of them can run again until thawed. */
    static void freeze(long postmaster) {
        ProcessSignal.send(postmaster, SIGSTOP);
        // A fork under way completes before the postmaster stops: its child is then in the scan below.
        awaitStopped(postmaster);
        Set<Long> stopped = new HashSet<>();
        for (int scan = 0; scan < SCANS; scan++) {
            List<Long> fresh = descendants(postmaster).stream().filter(pid -> !stopped.contains(pid)).toList();
            if (fresh.isEmpty()) return;
            for (long pid : fresh) {
                signalIfAlive(pid, SIGSTOP);
                stopped.add(pid);
            }
        }
    }

    /** Lets {@code postmaster} and every process under it run again. */
    static void thaw(long postmaster) {
        for (long pid : descendants(postmaster)) signalIfAlive(pid, SIGCONT);
        ProcessSignal.send(postmaster, SIGCONT);
    }

    /**
     * Kills {@code postmaster} and every process under it, frozen or not, and returns once they are gone: a frozen
     * server cannot shut down (a stop request waits for it to run), and thawing it to ask would let it commit first.
     */
    static void kill(long postmaster) {
        List<Long> all = new ArrayList<>(descendants(postmaster));
        all.addFirst(postmaster);
        for (long pid : all) signalIfAlive(pid, ProcessSignal.SIGKILL);
        long deadline = System.nanoTime() + STOP_WAIT.multipliedBy(10).toNanos();
        // A new postmaster refuses to start while a process of the old one still holds its shared memory.
        while (all.stream().anyMatch(ServerFreezer::isAlive)) {
            if (System.nanoTime() > deadline) {
                throw new PostgresException("processes of the killed postmaster " + postmaster + " are still alive after "
                        + STOP_WAIT.multipliedBy(10).toSeconds() + " s: " + all.stream().filter(ServerFreezer::isAlive).toList());
            }
            pause();
        }
    }

    /** True when {@code pid} is stopped by a signal (state T in /proc). */
    static boolean isStopped(long pid) {
        return Postmaster.state(pid) == 'T';
    }

    private static void awaitStopped(long pid) {
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (!isStopped(pid) && isAlive(pid) && System.nanoTime() < deadline) pause();
    }

    private static List<Long> descendants(long pid) {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants).map(ProcessHandle::pid).toList();
    }

    /** A process that exited meanwhile needs no signal; any other failure is the caller's. */
    private static void signalIfAlive(long pid, int signal) {
        try {
            ProcessSignal.send(pid, signal);
        } catch (PostgresException e) {
            if (isAlive(pid)) throw e;
        }
    }

    /** Alive, and not a zombie: a killed process its parent has not reaped yet holds nothing any more. */
    private static boolean isAlive(long pid) {
        char state = Postmaster.state(pid);
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
