package dev.pgmanager.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.store.zookeeper.EnsembleStatus;
import java.util.Optional;
import java.util.function.Function;

/**
 * The ensemble of store mode {@code ensemble} as JSON, for {@code /cluster}, {@code pgmanager store status} and
 * {@code doctor}: each peer by machine ID and name, the address its name resolves to now, whether it leads or follows
 * and is in sync; which one leads, and whether a quorum serves.
 */
public final class EnsembleJson {
    private EnsembleJson() {}

    public static ObjectNode of(EnsembleStatus.Report report, Function<String, Optional<String>> machineIdOfName) {
        ObjectNode body = Json.object();
        body.put("quorate", report.quorate());
        body.put("quorum", report.quorum());
        body.put("in_sync", report.inSync());
        Optional<EnsembleStatus.PeerStatus> leader = report.leader();
        if (leader.isPresent()) {
            body.put("leader", machineIdOfName.apply(leader.get().host()).orElse(leader.get().host()));
        } else {
            body.putNull("leader");
        }
        ArrayNode peers = body.putArray("peers");
        for (EnsembleStatus.PeerStatus peer : report.peers()) {
            ObjectNode node = peers.addObject();
            node.put("server_id", peer.id());
            machineIdOfName.apply(peer.host()).ifPresentOrElse(id -> node.put("machine_id", id), () -> node.putNull("machine_id"));
            node.put("name", peer.host());
            peer.address().ifPresentOrElse(a -> node.put("address", AddressText.of(a)), () -> node.putNull("address"));
            node.put("client_port", peer.clientPort());
            node.put("mode", peer.mode());
            node.put("in_sync", peer.inSync());
            peer.zxid().ifPresentOrElse(z -> node.put("zxid", z), () -> node.putNull("zxid"));
        }
        return body;
    }
}
