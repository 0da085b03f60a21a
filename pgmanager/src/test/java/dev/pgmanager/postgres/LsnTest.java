package dev.pgmanager.postgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LsnTest {

    @ParameterizedTest
    @CsvSource({
            "0/0,               0,                    0/0",
            "0/16B3748,         23803720,             0/16B3748",
            "0/16b3748,         23803720,             0/16B3748",
            "1/0,               4294967296,           1/0",
            "16/B374D848,       97500059720,          16/B374D848",
            "FFFFFFFF/FFFFFFFF, -1,                   FFFFFFFF/FFFFFFFF",
    })
    void parsesAndFormats(String text, long value, String formatted) {
        Lsn lsn = Lsn.parse(text);
        assertEquals(value, lsn.value());
        assertEquals(formatted, lsn.toString());
        assertEquals(lsn, Lsn.parse(lsn.toString()));
    }

    @ParameterizedTest
    @CsvSource({
            "0/3000000, 0/3000060, 96",
            "1/0,       0/FFFFFFFF, -1",
            "0/16B3748, 0/16B3748, 0",
            "2/10,      1/10,      -4294967296",
    })
    void measuresBytesBetweenPositions(String earlier, String later, long bytes) {
        assertEquals(bytes, Lsn.parse(later).bytesSince(Lsn.parse(earlier)));
    }

    @Test
    void ordersUnsigned() {
        assertTrue(Lsn.parse("1/0").isAfter(Lsn.parse("0/FFFFFFFF")));
        assertTrue(Lsn.parse("FFFFFFFF/0").isAfter(Lsn.parse("7FFFFFFF/FFFFFFFF")));
        assertTrue(Lsn.ZERO.compareTo(Lsn.parse("0/1")) < 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "0/", "/1", "16B3748", "0/G", "1/2/3", "123456789/0", "0/123456789", " 0/1"})
    void rejectsWhatIsNotAnLsn(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lsn.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }
}
