package dev.pgmanager.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A crashed machine's processes stop together: the whole process group of the one that leads it, in one signal. */
class LocalProcessesTest {
    @Test
    void killingAGroupsLeaderTakesEveryProcessOfItsGroupAtOnce() throws Exception {
        // A leader of its own session and group, with two children in its group, as a postmaster and its backends
        Process leader = new ProcessBuilder("setsid", "sh", "-c", "sleep 600 & sleep 600 & wait").start();
        try {
            ProcessHandle handle = leader.toHandle();
            Await.until(Duration.ofSeconds(10), "the children started", () -> handle.children().count() == 2);
            List<ProcessHandle> children = handle.children().toList();
            assertEquals(leader.pid(), LocalProcesses.processGroupOf(leader.pid()), "setsid made it lead its group");
            for (ProcessHandle child : children) assertEquals(leader.pid(), LocalProcesses.processGroupOf(child.pid()));

            LocalProcesses.killGroup(handle);

            assertTrue(LocalProcesses.waitForExit(handle, Duration.ofSeconds(10)), "the leader is gone");
            for (ProcessHandle child : children) {
                assertTrue(LocalProcesses.waitForExit(child, Duration.ofSeconds(10)), "and so is each process of its group");
            }
        } finally {
            leader.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            leader.destroyForcibly();
        }
    }

    @Test
    void aProcessThatLeadsNoGroupIsKilledAlone() throws Exception {
        Process child = new ProcessBuilder("sleep", "600").start();
        try {
            assertFalse(LocalProcesses.processGroupOf(child.pid()) == child.pid(), "it runs in this JVM's group");
            LocalProcesses.killGroup(child.toHandle());
            assertTrue(LocalProcesses.waitForExit(child.toHandle(), Duration.ofSeconds(10)), "killed");
            assertTrue(ProcessHandle.current().isAlive(), "its group (this JVM's) was left alone");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aGoneProcessHasNoGroup() {
        assertEquals(-1, LocalProcesses.processGroupOf(Long.MAX_VALUE));
    }
}
