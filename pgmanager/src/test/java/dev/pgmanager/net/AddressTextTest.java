package dev.pgmanager.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressTextTest {

    @ParameterizedTest
    @CsvSource({
        "fdaa:0:0:0:0:0:0:1, fdaa::1",
        "0:0:0:0:0:0:0:1, ::1",
        "fdaa:0:0:0:0:0:0:0, fdaa::",
        "fdaa:0:1b:2c3d:0:0:0:1, fdaa:0:1b:2c3d::1",
        "1:0:0:1:0:0:1:1, 1::1:0:0:1:1",
        "1:0:1:1:1:1:1:1, 1:0:1:1:1:1:1:1",
        "127.0.0.11, 127.0.0.11",
    })
    void writesAddressesTheShortWay(String literal, String expected) {
        assertEquals(expected, AddressText.of(InetAddress.ofLiteral(literal)));
    }
}
