package dev.pgmanager.api;

import dev.pgmanager.ha.Pass;
import dev.pgmanager.net.MachineId;
import java.net.InetAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator reads: this member, the cluster, its history. Member and cluster come from the last pass even
 * when it is stale (its finish time is in the answer), because that is when an operator most needs to look.
 */
final class InfoEndpoints {
    private static final Logger log = LoggerFactory.getLogger(InfoEndpoints.class);

    private final SidecarView view;

    InfoEndpoints(SidecarView view) {
        this.view = view;
    }

    ApiResponse member(ApiRequest request) {
        Pass pass = lastPass();
        return ApiResponse.json(200, MemberJson.of(pass, addressOf(pass.observation().id()), view.rewriter(),
                view.dataDirectorySpace()));
    }

    ApiResponse cluster(ApiRequest request) {
        var body = ClusterJson.of(lastPass().observation().cluster(), id -> addressOf(MachineId.of(id)));
        view.ensemble().ifPresent(report -> body.set("ensemble", EnsembleJson.of(report, view::machineIdOfName)));
        return ApiResponse.json(200, body);
    }

    ApiResponse history(ApiRequest request) {
        return ApiResponse.json(200, HistoryJson.of(view.history()));
    }

    private Pass lastPass() {
        return view.lastPass().orElseThrow(() -> ApiError.of(503, "no pass of the control loop has finished yet: nothing observed to report"));
    }

    /** One unresolvable peer must not hide the rest of the cluster: a failed lookup shows as no address. */
    private Optional<InetAddress> addressOf(MachineId machineId) {
        try {
            return view.addressOf(machineId);
        } catch (RuntimeException e) {
            log.warn("resolving the address of {} failed: {}", machineId, e.toString());
            return Optional.empty();
        }
    }
}
