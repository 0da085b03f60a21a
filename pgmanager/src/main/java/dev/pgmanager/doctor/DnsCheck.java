package dev.pgmanager.doctor;

import dev.pgmanager.net.AddressText;
import dev.pgmanager.store.AddressRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every member's name answers, and with the address the member itself last reported (a difference means DNS has not
 * caught up with a move, or the machine has not recorded its new address yet).
 */
final class DnsCheck implements Check {
    @Override
    public String name() {
        return "dns";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        for (MemberFacts m : facts.members().values()) {
            String id = m.machineId().value();
            String hostname = facts.hostnameOf().apply(id);
            if (m.dnsError().isPresent()) {
                findings.add(Finding.critical(name(), id, "looking up " + hostname + " failed: " + m.dnsError().get(),
                        facts.fixes().localDir().isPresent() ? facts.fixes().startStore()
                                : "check the name servers (dns.servers, else /etc/resolv.conf): dig aaaa " + hostname));
                continue;
            }
            if (m.dnsAddress().isEmpty()) {
                findings.add(Finding.critical(name(), id, hostname + " has no DNS answer: no member can reach " + id
                        + " (replicas cannot follow it, it cannot be promoted)", facts.fixes().restoreDnsRecord(id)));
                continue;
            }
            String answer = AddressText.of(m.dnsAddress().get());
            Optional<AddressRecord> reported = facts.store().addressHistory().getOrDefault(id, List.of()).stream()
                    .max(Comparator.comparing(AddressRecord::lastSeen));
            if (reported.isPresent() && !AddressText.same(reported.get().address(), answer)) {
                findings.add(Finding.warning(name(), id, hostname + " answers " + answer + ", but " + id + " last reported "
                        + reported.get().address() + " (at " + reported.get().lastSeen() + "): the answer is changing, "
                        + "DNS or the machine has not caught up with a move", "wait a few seconds (a DNS TTL), then "
                        + facts.fixes().pgmanager("doctor")));
                continue;
            }
            findings.add(Finding.ok(name(), id, hostname + " answers " + answer));
        }
        return findings;
    }
}
