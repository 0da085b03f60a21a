package dev.pgmanager.postgres;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Sends a signal to a process with kill(2), which Java has no API for (ProcessHandle can only terminate or kill). A
 * switchover stops the primary this way: starting pg_ctl to send the signal took ~25 ms of the write gap. The local
 * platform signals its members' servers with it too.
 */
public final class ProcessSignal {
    public static final int SIGKILL = 9;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle KILL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("kill"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);

    private ProcessSignal() {}

    /**
     * @param pid a process, or the negated ID of a process group: every process of it
     * @throws PostgresException when the signal could not be sent (no such process, not permitted), saying why
     */
    public static void send(long pid, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            int result = (int) KILL.invokeExact(errno, Math.toIntExact(pid), signal);
            if (result != 0) {
                throw new PostgresException("cannot send signal " + signal + " to process " + pid + ": "
                        + describe((int) ERRNO.get(errno, 0L)));
            }
        } catch (PostgresException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("kill(2) failed", e);
        }
    }

    private static String describe(int errno) {
        return switch (errno) {
            case 1 -> "not permitted (EPERM): the sidecar runs as another user than the server, and not as root";
            case 3 -> "no such process (ESRCH)";
            default -> "errno " + errno;
        };
    }
}
