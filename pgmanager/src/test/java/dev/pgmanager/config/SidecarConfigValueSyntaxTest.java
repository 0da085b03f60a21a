package dev.pgmanager.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notation of single values: durations, sizes, addresses, networks, connect strings. */
class SidecarConfigValueSyntaxTest {

    @ParameterizedTest
    @CsvSource({"500ms, 500", "2s, 2000", "1m, 60000", "1h, 3600000", "7d, 604800000", "250, 250", "0, 0", "' 3s ', 3000"})
    void durationsTakeUnitsAndBareMilliseconds(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "1.5s", "-1s", "2w", "1S", "99999999999999999999"})
    void durationsRejectOtherForms(String text) {
        var error = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(error.getMessage().contains("is not a duration (use 500ms, 2s, 1m, 1h, 7d)"), error.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"0, 0s", "45, 45s", "119, 119s", "120, 2m", "7199, 119m", "7200, 2h", "172799, 47h", "172800, 2d", "-5, 0s"})
    void agesReadInWholeUnitsWithAtLeastTwoOfEach(long seconds, String roughly) {
        assertEquals(roughly, Durations.roughly(Duration.ofSeconds(seconds)));
    }

    @ParameterizedTest
    @CsvSource({"16MB, 16777216", "1GB, 1073741824", "512kB, 524288", "100, 100", "16mb, 16777216", "1TB, 1099511627776"})
    void sizesTakePostgresUnits(String text, long bytes) {
        assertEquals(bytes, Sizes.parseBytes(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "16XB", "-1", "1.5GB", "99999999TB"})
    void sizesRejectOtherForms(String text) {
        var error = assertThrows(IllegalArgumentException.class, () -> Sizes.parseBytes(text));
        assertTrue(error.getMessage().contains("is not a size"), error.getMessage());
    }

    @Test
    void ipLiteralsAreParsedWithoutLookingAnythingUp() throws Exception {
        assertEquals(InetAddress.getByName("fdaa:0:1::3"), NetworkSyntax.ipLiteral("fdaa:0:1::3"));
        assertEquals(InetAddress.getByName("172.19.0.2"), NetworkSyntax.ipLiteral("172.19.0.2"));
        for (String notALiteral : List.of("localhost", "127.1", "[::1]", "1.2.3.256", "")) {
            assertThrows(IllegalArgumentException.class, () -> NetworkSyntax.ipLiteral(notALiteral), notALiteral);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fdaa::/16", "127.0.0.1/32", "::1/128", "10.0.0.0/8", "0.0.0.0/0"})
    void validCidrNetworks(String text) {
        assertEquals(text, NetworkSyntax.cidr(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "fdaa::/129", "10.0.0.0", "/8", "host/8", "10.0.0.0/x", "[::1]/128"})
    void invalidCidrNetworks(String text) {
        var error = assertThrows(IllegalArgumentException.class, () -> NetworkSyntax.cidr(text));
        assertTrue(error.getMessage().contains("is not a CIDR network"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"zk1:2181", "zk1:2181,zk2:2181,zk3:2181", "[::1]:2181", "[fdaa::3]:2181,10.0.0.1:2181",
            "zk.internal:2181/pgmanager", "localhost:2181"})
    void validConnectStrings(String text) {
        assertEquals(text, NetworkSyntax.zooKeeperConnectString(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"zk1", ":2181", "zk1:0", "zk1:70000", "::1:2181", "zk1:2181,", "zk 1:2181", "[zk1]:2181",
            "zk1:2181/", ""})
    void invalidConnectStrings(String text) {
        var error = assertThrows(IllegalArgumentException.class, () -> NetworkSyntax.zooKeeperConnectString(text));
        assertTrue(error.getMessage().contains("is not a ZooKeeper connect string"), error.getMessage());
    }

    @Test
    void literalListenAddressesAreResolvedAndNamesAreNot() {
        InetSocketAddress anyV6 = NetworkSyntax.socketAddress("[::]:8008");
        assertFalse(anyV6.isUnresolved());
        assertTrue(anyV6.getAddress().isAnyLocalAddress());
        assertEquals(8008, anyV6.getPort());
        assertEquals("127.0.0.5", NetworkSyntax.socketAddress("127.0.0.5:8008").getAddress().getHostAddress());
        assertTrue(NetworkSyntax.socketAddress("0.0.0.0:8008").getAddress().isAnyLocalAddress());
        InetSocketAddress named = NetworkSyntax.socketAddress("api.internal:8008");
        assertTrue(named.isUnresolved());
        assertEquals("api.internal", named.getHostString());
    }

    @Test
    void keySuggestionsCatchTyposAndMisplacedKeys() {
        var known = List.of("postgres.port", "ha.loop_wait", "machine_id");
        assertEquals("postgres.port", KeySuggestions.closest("postgres.prot", known).orElseThrow());
        assertEquals("ha.loop_wait", KeySuggestions.closest("loop_wait", known).orElseThrow());
        assertTrue(KeySuggestions.closest("colour", known).isEmpty());
    }
}
