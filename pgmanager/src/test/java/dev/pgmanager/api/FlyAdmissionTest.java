package dev.pgmanager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who may change things through the flyctl API, mode by mode. */
class FlyAdmissionTest {
    private static final List<String> PRIVATE = List.of("fdaa::/16", "127.0.0.1/32", "::1/128");
    private static final InetAddress MACHINE = InetAddress.ofLiteral("fdaa:0:1:a7b:1b5:5d4f:7b1e:2");
    private static final InetAddress PEER = InetAddress.ofLiteral("fdaa:0:1:a7b:9cdc:0:a:102");
    private static final InetAddress OUTSIDE = InetAddress.ofLiteral("2001:db8::1");

    @Test
    void peersAdmitsLoopbackAndWireGuardPeersButNoMachine() {
        FlyAdmission peers = new FlyAdmission(FlyAdmission.Mode.PEERS, PRIVATE, () -> Optional.of(Set.of(MACHINE)));
        peers.requireAdmitted(from("::1"));
        peers.requireAdmitted(from("127.0.0.1"));
        peers.requireAdmitted(request(PEER));
        assertRefused(peers, MACHINE, "not admitted from the organization's machines");
        assertRefused(peers, OUTSIDE, "from the private network only");
    }

    @Test
    void peersRefusesWhenTheMachinesCannotBeListed() {
        FlyAdmission blind = new FlyAdmission(FlyAdmission.Mode.PEERS, PRIVATE, Optional::empty);
        assertRefused(blind, PEER, "could not be listed");
        blind.requireAdmitted(from("::1"));
    }

    @Test
    void networkAdmitsThePrivateNetworkAndLocalOnlyLoopback() {
        FlyAdmission network = new FlyAdmission(FlyAdmission.Mode.NETWORK, PRIVATE, () -> Optional.of(Set.of(MACHINE)));
        network.requireAdmitted(request(MACHINE));
        assertRefused(network, OUTSIDE, "from the private network only");
        FlyAdmission local = new FlyAdmission(FlyAdmission.Mode.LOCAL, PRIVATE, () -> Optional.of(Set.of()));
        local.requireAdmitted(from("::1"));
        assertRefused(local, PEER, "from inside the machine only");
    }

    private static void assertRefused(FlyAdmission admission, InetAddress from, String why) {
        ApiError refused = assertThrows(ApiError.class, () -> admission.requireAdmitted(request(from)));
        assertEquals(403, refused.response().status());
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }

    private static ApiRequest from(String literal) {
        return request(InetAddress.ofLiteral(literal));
    }

    private static ApiRequest request(InetAddress from) {
        return new ApiRequest("POST", "/commands/users/create", Map.of(), name -> Optional.empty(), new byte[0], from.toString(),
                Optional.of(from));
    }
}
