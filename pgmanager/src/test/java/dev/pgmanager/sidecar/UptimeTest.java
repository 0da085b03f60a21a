package dev.pgmanager.sidecar;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UptimeTest {
    @Test
    void aProcessIsAsOldAsItsJvmToAFewHundredthsNotToTheSecondOfTheBootTime() throws Exception {
        long before = ManagementFactory.getRuntimeMXBean().getUptime();
        Duration age = Uptime.processAge().orElseThrow();
        long after = ManagementFactory.getRuntimeMXBean().getUptime();

        // The process started before its JVM did (exec, the launcher), and both readings of /proc are to a hundredth
        assertTrue(age.toMillis() >= before - 20, age + " old, the JVM up " + before + " ms");
        // ProcessHandle's start instant was up to a second early (the boot time in whole seconds); this must not be
        assertTrue(age.toMillis() < after + 500, age + " old, the JVM up " + after + " ms");
    }

    @Test
    void theMachinesUptimeMovesInHundredths() throws Exception {
        long first = Uptime.hundredths();
        Thread.sleep(50);
        long second = Uptime.hundredths();

        assertTrue(second - first >= 4 && second - first < 500, first + " then " + second);
    }
}
