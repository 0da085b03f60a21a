package dev.pgmanager.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The stale-address rewriter (a stop-gap: nothing depends on it) is on, or off for a stated reason; and no process
 * keeps dialing a member's old address.
 */
final class RewriterCheck implements Check {
    @Override
    public String name() {
        return "rewriter";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        for (MemberFacts m : facts.members().values()) {
            if (m.api().isEmpty()) continue;
            JsonNode rewriter = m.api().get().path("rewriter");
            if (rewriter.isMissingNode()) continue;
            String id = m.machineId().value();
            long staleUses = rewriter.path("stale_uses").asLong();
            if ("on".equals(rewriter.path("state").asText())) {
                findings.add(Finding.ok(name(), id, "the rewriter is on (" + rewriter.path("entries").asLong() + " entries, "
                        + rewriter.path("hits").asLong() + " rewrites)"));
            } else {
                String reason = rewriter.path("reason").asText("no reason given");
                findings.add(Finding.ok(name(), id, "the rewriter is off: " + reason + " (nothing depends on it)"));
            }
            if (staleUses > 0) {
                findings.add(Finding.warning(name(), id, staleUses + " connection(s) on " + id + " dialed a member's old "
                        + "address and were rewritten: some program there keeps a stale address (its pid and command are "
                        + "in the sidecar's log)", "point that program at the member's DNS name (" + facts.hostnameOf().apply("<machine_id>")
                        + ") instead of an address"));
            }
        }
        return findings;
    }
}
