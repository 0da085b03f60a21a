package dev.pgmanager.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MachineIdTest {
    @Test
    void namesTheMemberAsItselfEverywhere() {
        MachineId id = MachineId.of("3d8d9d1b2e7e89");
        assertEquals("3d8d9d1b2e7e89", id.slotName());
        assertEquals("3d8d9d1b2e7e89", id.applicationName());
        assertEquals("3d8d9d1b2e7e89", id.dnsLabel());
        assertEquals("3d8d9d1b2e7e89", id.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ABC", "a-b", "_abc", "a b", "no-synchronous-standby", "x'; DROP TABLE t; --"})
    void refusesWhatCannotNameASlotOrAZnode(String text) {
        assertThrows(IllegalArgumentException.class, () -> MachineId.of(text));
    }

    @Test
    void refusesNull() {
        assertThrows(IllegalArgumentException.class, () -> new MachineId(null));
    }
}
