package dev.pgmanager.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Prerequisites;
import dev.pgmanager.store.testing.ProcStat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real threads and processes, read back from the kernel ({@code /proc}); needs root (CAP_SYS_NICE). */
class RealTimeThreadsTest {
    @BeforeEach
    void enable() {
        Prerequisites.require(Prerequisites.root(), "root (real-time priority needs CAP_SYS_NICE)");
        RealTimeThreads.enableForThisProcess();
    }

    @Test
    void aRaisedThreadRunsRoundRobinAtTheLowestRealTimePriorityAndPassesItOnToNothing() throws Exception {
        var seen = new CompletableFuture<String>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                assertTrue(RealTimeThreads.raiseCurrentThread());
                String own = scheduling(Path.of("/proc/thread-self/stat"));
                // a thread it starts, and a process it starts, are ordinary (SCHED_RESET_ON_FORK)
                var child = new CompletableFuture<String>();
                Thread.ofPlatform().start(() -> child.complete(scheduling(Path.of("/proc/thread-self/stat")))).join();
                Process process = new ProcessBuilder("cat", "/proc/self/stat").start();
                String processStat = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                process.waitFor();
                seen.complete(own + " | " + child.get() + " | " + scheduling(processStat));
            } catch (Throwable e) {
                seen.completeExceptionally(e);
            }
        });
        thread.join();
        assertEquals("policy 2 priority 1 | policy 0 priority 0 | policy 0 priority 0", seen.get());
    }

    @Test
    void aRaisingFactoryRaisesEachThreadItMakesWhoeverStartsIt() throws Exception {
        var pool = Executors.newSingleThreadExecutor(RealTimeThreads.raising(Thread.ofPlatform().name("raised").factory()));
        try {
            assertEquals("policy 2 priority 1", pool.submit(() -> scheduling(Path.of("/proc/thread-self/stat"))).get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals("policy 0 priority 0", scheduling(Path.of("/proc/thread-self/stat")), "the submitting thread");
    }

    @Test
    void threadsStartedWhileCreatingAreRaisedWhatTheyStartLaterIsNotAndTheCreatorReturnsToOrdinary() throws Exception {
        var release = new CountDownLatch(1);
        var startedInside = new CompletableFuture<String>();
        var insideTid = new CompletableFuture<Long>();
        var startedLater = new CompletableFuture<String>();
        Thread inside = RealTimeThreads.raisingThreadsStartedBy(() -> Thread.ofPlatform().start(() -> {
            insideTid.complete(ownTid());
            startedInside.complete(scheduling(Path.of("/proc/thread-self/stat")));
            awaitQuietly(release);
            Thread.ofPlatform().start(() -> startedLater.complete(scheduling(Path.of("/proc/thread-self/stat"))));
        }));
        try {
            assertEquals("policy 2 priority 1", startedInside.get(10, TimeUnit.SECONDS));
            assertEquals("policy 0 priority 0", scheduling(Path.of("/proc/thread-self/stat")), "the creating thread afterwards");
            assertEquals("policy 2 priority 1", scheduling(Path.of("/proc/self/task/" + insideTid.get() + "/stat")),
                    "the thread started inside, after the creation");
        } finally {
            release.countDown();
            inside.join();
        }
        assertEquals("policy 0 priority 0", startedLater.get(10, TimeUnit.SECONDS), "a thread that one starts later");
    }

    @Test
    void aThreadThatPassesItOnRunsOurCodeOnAnOrdinaryThread() throws Exception {
        var seen = new CompletableFuture<String>();
        Thread peer = RealTimeThreads.raisingAllThreadsStartedBy(() -> Thread.ofPlatform().start(() -> {
            try {
                String own = scheduling(Path.of("/proc/thread-self/stat"));
                boolean passesItOn = RealTimeThreads.passesItOn();
                String elsewhere = RealTimeThreads.onOrdinaryThread(() -> scheduling(Path.of("/proc/thread-self/stat")), IOException.class);
                IOException thrown = null;
                try {
                    RealTimeThreads.onOrdinaryThread(() -> {
                        throw new IOException("as it was");
                    }, IOException.class);
                } catch (IOException e) {
                    thrown = e;
                }
                seen.complete(own + " | " + passesItOn + " | " + elsewhere + " | " + (thrown == null ? "none" : thrown.getMessage()));
            } catch (Throwable e) {
                seen.completeExceptionally(e);
            }
        }));
        peer.join();
        assertEquals("policy 2 priority 1 | true | policy 0 priority 0 | as it was", seen.get());
        assertFalse(RealTimeThreads.passesItOn(), "an ordinary thread");
    }

    @Test
    void aProcessCanBeRaisedByItsPid() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            assertTrue(RealTimeThreads.raise(sleeper.pid()));
            assertEquals("policy 2 priority 1", scheduling(Path.of("/proc", Long.toString(sleeper.pid()), "stat")));
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    /** The kernel's ID of the calling thread, from the link /proc/thread-self ("PID/task/TID"). */
    private static long ownTid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scheduling policy and real-time priority in a {@code stat} file of /proc (fields 41 and 40). */
    static String scheduling(Path stat) {
        try {
            return scheduling(Files.readString(stat, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String scheduling(String stat) {
        return "policy " + ProcStat.field(stat, ProcStat.POLICY) + " priority " + ProcStat.field(stat, ProcStat.RT_PRIORITY);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
