package dev.pgmanager.realtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real-time CPU scheduling (Linux's SCHED_RR) for the few threads that keep a lease alive: the store client's I/O and
 * event threads, the store server's, the lease's, the watchdog's, and the JVM's own VM thread (it runs garbage
 * collections and safepoints, which every other thread waits for).
 *
 * <p>Why: the default store session is 1.6 s and the lease is suspended half a session after its last confirmation. On a
 * machine whose CPUs are saturated (select-only pgbench through the router on 2 cores: 40 to 70 runnable threads) an
 * ordinary thread waited up to 266 ms for the CPU at a wake-up, even 446 ms in a session of nice -10, and a confirmation
 * passes about ten wake-ups (client, link, server threads): the primary fenced itself although nothing had failed. At
 * real-time priority 1 a thread waited 4 ms at most.
 *
 * <p>Only threads that sleep almost always get it, at the lowest real-time priority: ahead of every ordinary thread,
 * behind the kernel's own real-time threads. They run with SCHED_RESET_ON_FORK, so nothing they start (threads,
 * PostgreSQL's tools, the virtual threads' carriers, the common pool's workers) inherits it; and the kernel's real-time
 * throttling leaves ordinary threads 5% of each second in any case.
 *
 * <p>A process opts in ({@link #enableForThisProcess()}: the sidecar, the store server, the local platform); elsewhere (a
 * CLI command, a test's JVM) every call here does nothing. It needs root or CAP_SYS_NICE (a Fly machine's root has it;
 * Docker leaves it out unless given {@code --cap-add SYS_NICE}, and on a kernel that budgets real-time CPU per cgroup,
 * cgroup v1's RT group scheduling, a container also needs {@code --cpu-rt-runtime}); without, it is said once and the
 * threads keep their ordinary priority. This lives in the store's module because every module that runs such a thread
 * depends on it.
 */
public final class RealTimeThreads {
    private static final Logger log = LoggerFactory.getLogger(RealTimeThreads.class);

    /** The lowest real-time priority. */
    public static final int PRIORITY = 1;
    private static final int SCHED_FIFO = 1;
    private static final int SCHED_RR = 2;
    private static final int SCHED_RESET_ON_FORK = 0x40000000;
    private static final int EPERM = 1;

    private static final AtomicBoolean enabled = new AtomicBoolean();
    /** Set once the kernel refused (or the calls cannot be made): threads that would ask again (on every store event) do not. */
    private static final AtomicBoolean refused = new AtomicBoolean();
    private static final ThreadLocal<Boolean> raised = ThreadLocal.withInitial(() -> false);

    private RealTimeThreads() {}

    /**
     * Lets this process raise the threads of its lease path from now on, and raises its VM thread (every safepoint runs
     * there, and every collection of the serial collector, the sidecar's; the threads that stop for them wait for it).
     */
    public static void enableForThisProcess() {
        enabled.set(true);
        raiseJvmThreads(Set.of("VM Thread"));
    }

    /** Gives the calling thread real-time priority, which nothing it starts inherits; false when not enabled or not permitted. */
    public static boolean raiseCurrentThread() {
        // a virtual thread would raise its carrier, and with it every virtual thread that ever runs there
        if (raised.get() || Thread.currentThread().isVirtual()) return raised.get();
        boolean done = set(0, SCHED_RR | SCHED_RESET_ON_FORK, PRIORITY);
        raised.set(done);
        return done;
    }

    /** {@code base}'s threads, each raised ({@link #raiseCurrentThread()}) before it runs its first task. */
    public static ThreadFactory raising(ThreadFactory base) {
        return task -> base.newThread(() -> {
            raiseCurrentThread();
            task.run();
        });
    }

    /**
     * Runs {@code creation}, and raises the threads it starts: for a library whose threads cannot be reached otherwise (the
     * store server's). The calling thread is raised meanwhile, without SCHED_RESET_ON_FORK, so that those threads inherit
     * it; then each of them, told from threads that other code started meanwhile by its inherited priority, gets
     * SCHED_RESET_ON_FORK as every raised thread has, and the caller its own scheduling back. So what those threads start
     * later (a store peer's request pipeline after an election, a snapshot's thread) runs at ordinary priority.
     */
    public static <T, E extends Exception> T raisingThreadsStartedBy(Creation<T, E> creation) throws E {
        Set<Long> before = threadIds();
        try {
            return raisingAllThreadsStartedBy(creation);
        } finally {
            // twice: a thread the first pass finds may have started another before it got the flag
            for (int pass = 0; pass < 2 && enabled.get() && !refused.get(); pass++) {
                for (long id : threadIds()) {
                    if (!before.contains(id) && scheduler(id) == SCHED_RR) set(Math.toIntExact(id), SCHED_RR | SCHED_RESET_ON_FORK, PRIORITY);
                }
            }
        }
    }

    /**
     * Runs {@code creation} with the calling thread raised meanwhile, without SCHED_RESET_ON_FORK, then puts the caller
     * back: the threads it starts, and every thread they start later, inherit real-time priority. For a store peer, whose
     * request pipeline its elections start long after it was created. Only for a library that starts no processes and
     * calls little of ours: ZooKeeper's server calls pgmanager's code only through the JVM's name resolver, which moves
     * to an ordinary thread ({@link #passesItOn}), and reaches the JVM's common pool only through a client's
     * getAllChildrenNumber, which pgmanager never sends.
     */
    public static <T, E extends Exception> T raisingAllThreadsStartedBy(Creation<T, E> creation) throws E {
        if (!enabled.get() || refused.get()) return creation.create();
        int callerScheduler = scheduler(0);
        boolean inheriting = set(0, SCHED_RR, PRIORITY);
        try {
            return creation.create();
        } finally {
            if (inheriting && !set(0, callerScheduler, isRealTime(callerScheduler) ? PRIORITY : 0)) {
                log.error("could not put thread {} back to its own scheduling; it stays at real-time priority",
                        Thread.currentThread().getName());
            }
        }
    }

    /**
     * Whether the calling thread passes real-time priority on to what it starts: a store peer's thread
     * ({@link #raisingAllThreadsStartedBy}). Code of ours that such a thread calls into (a name lookup through the JVM's
     * resolver, which reaches pgmanager's DNS client) must run elsewhere ({@link #onOrdinaryThread}), or the threads it
     * starts on the way (the DNS client's selector, the virtual threads' carriers) would run at real-time priority for good.
     */
    public static boolean passesItOn() {
        return enabled.get() && scheduler(0) == SCHED_RR;
    }

    /** Runs {@code task} on a thread of ordinary priority and waits for it; its failure is thrown here, as it was. */
    public static <T, E extends Exception> T onOrdinaryThread(Creation<T, E> task, Class<E> failure) throws E {
        try {
            return Ordinary.THREADS.submit(task::create).get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (failure.isInstance(cause)) throw failure.cast(cause);
            if (cause instanceof RuntimeException unchecked) throw unchecked;
            if (cause instanceof Error error) throw error;
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + task, e);
        }
    }

    /** Threads that put themselves back to ordinary priority when they start: whoever starts them, they pass nothing on. */
    private static final class Ordinary {
        static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(
                task -> Thread.ofPlatform().daemon().name("ordinary-priority").unstarted(() -> {
                    set(0, 0, 0);
                    task.run();
                }));
    }

    /** Code that creates something, starting threads on the way. */
    @FunctionalInterface
    public interface Creation<T, E extends Exception> {
        T create() throws E;
    }

    /** Raises thread or single-threaded process {@code id} (a thread ID is a PID to the scheduler); false if it could not. */
    public static boolean raise(long id) {
        return set(Math.toIntExact(id), SCHED_RR | SCHED_RESET_ON_FORK, PRIORITY);
    }

    /** Raises the threads of this JVM named {@code names} (as {@code /proc/self/task/TID/comm} shows them, 15 characters at most). */
    private static void raiseJvmThreads(Set<String> names) {
        for (long id : threadIds()) {
            try {
                String name = Files.readString(Path.of("/proc/self/task", Long.toString(id), "comm"), StandardCharsets.UTF_8).strip();
                if (names.contains(name)) raise(id);
            } catch (IOException ended) {
                // the thread ended meanwhile
            }
        }
    }

    private static Set<Long> threadIds() {
        Set<Long> ids = new HashSet<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) ids.add(Long.parseLong(task.getFileName().toString()));
        } catch (IOException | RuntimeException e) {
            log.debug("cannot list this process's threads", e);
        }
        return ids;
    }

    /** The scheduling policy of thread {@code id} (0: the calling one) with its SCHED_RESET_ON_FORK flag; 0 if unknown. */
    private static int scheduler(long id) {
        try {
            return Math.max(0, (int) Syscalls.GET_SCHEDULER.invokeExact(Math.toIntExact(id)));
        } catch (Throwable e) {
            return 0;
        }
    }

    private static boolean isRealTime(int scheduler) {
        int policy = scheduler & ~SCHED_RESET_ON_FORK;
        return policy == SCHED_FIFO || policy == SCHED_RR;
    }

    private static boolean set(int id, int policy, int priority) {
        boolean raising = isRealTime(policy);
        if (raising && (!enabled.get() || refused.get())) return false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT);
            param.set(ValueLayout.JAVA_INT, 0, priority);
            if ((int) Syscalls.SET_SCHEDULER.invokeExact(errno, id, policy, param) == 0) return true;
            int error = (int) Syscalls.ERRNO.get(errno, 0L);
            if (raising && error == EPERM && refused.compareAndSet(false, true)) {
                log.warn("cannot give the lease's threads real-time priority (not permitted): under a CPU-bound load they may "
                        + "wait long enough for the CPU that the lease lapses and a primary fences itself although nothing "
                        + "failed. It needs root or CAP_SYS_NICE (docker run --cap-add SYS_NICE), and where the kernel "
                        + "budgets real-time CPU per cgroup, a budget for the sidecar's (docker run --cpu-rt-runtime)");
            } else if (error != EPERM) {
                log.debug("sched_setscheduler({}, {}) failed with errno {}", id, policy, error);
            }
            return false;
        } catch (Throwable e) {
            // never fatal (not even a missing system call): the threads asking run the lease, and run on at ordinary priority
            if (refused.compareAndSet(false, true)) log.warn("cannot call sched_setscheduler(2); the lease's threads keep ordinary priority", e);
            return false;
        }
    }

    /** The system calls, bound on first use: a failure to bind them is caught there like any other. */
    private static final class Syscalls {
        private static final Linker LINKER = Linker.nativeLinker();
        /** sched_setscheduler(pid, policy, &param); pid 0 is the calling thread, any other a thread ID. */
        static final MethodHandle SET_SCHEDULER = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("sched_setscheduler"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle GET_SCHEDULER = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("sched_getscheduler"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final VarHandle ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    }
}
