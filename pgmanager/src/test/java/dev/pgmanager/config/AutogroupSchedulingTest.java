package dev.pgmanager.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AutogroupSchedulingTest {
    @Test
    void autoTurnsThemOffOnlyOnAFlyMachine() {
        assertTrue(AutogroupScheduling.AUTO.turnsOff(Map.of("FLY_MACHINE_ID", "3d8d9e1a2b4c68")));
        assertFalse(AutogroupScheduling.AUTO.turnsOff(Map.of("PGMANAGER_MACHINE_ID", "m1")));
    }

    @Test
    void offAndKeepAreWhatTheySayWherever() {
        assertTrue(AutogroupScheduling.OFF.turnsOff(Map.of()));
        assertFalse(AutogroupScheduling.KEEP.turnsOff(Map.of("FLY_MACHINE_ID", "3d8d9e1a2b4c68")));
    }
}
