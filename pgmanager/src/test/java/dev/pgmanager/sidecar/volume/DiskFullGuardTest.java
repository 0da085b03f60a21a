package dev.pgmanager.sidecar.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.api.DiskSpace;
import dev.pgmanager.config.DiskGuardConfig;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The guard's rule: read-only from the upper mark, writable below the lower one, unchanged in between; off is off. */
class DiskFullGuardTest {
    private static final DiskGuardConfig MARKS = new DiskGuardConfig(OptionalInt.of(90), 85);

    @ParameterizedTest(name = "refused now {0}, {1}% used: refuse {2}")
    @CsvSource({
        "false, 50.0, false",
        "false, 89.9, false",
        "false, 90.0, true",
        "false, 99.0, true",
        "true, 95.0, true",
        "true, 87.0, true",
        "false, 87.0, false",
        "true, 85.0, true",
        "true, 84.9, false",
    })
    void refusesFromTheUpperMarkAndAllowsBelowTheLowerOne(boolean refusedNow, double usedPercent, boolean refuse) {
        assertEquals(refuse, DiskFullGuard.shouldRefuse(refusedNow, usedPercent, MARKS));
    }

    @ParameterizedTest(name = "refused now {0}: off allows")
    @CsvSource({"false", "true"})
    void offAlwaysAllowsEvenAVolumeThatIsFull(boolean refusedNow) {
        assertEquals(false, DiskFullGuard.shouldRefuse(refusedNow, 100, new DiskGuardConfig(OptionalInt.empty(), 85)));
    }

    @ParameterizedTest(name = "{0} free of {1}: {2}% used")
    @CsvSource({"100, 100, 0.0", "10, 100, 90.0", "0, 100, 100.0"})
    void whatPostgresCannotWriteCountsAsUsed(long free, long total, double used) {
        assertEquals(used, DiskFullGuard.usedPercent(new DiskSpace("/data", free, total)), 1e-9);
    }
}
