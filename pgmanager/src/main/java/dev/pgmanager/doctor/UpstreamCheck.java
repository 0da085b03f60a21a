package dev.pgmanager.doctor;

import dev.pgmanager.doctor.ServerFacts.Receiver;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.HostPort;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each replica streams from the leader at the address the leader's name has in DNS now, as PostgreSQL itself uses it
 * ({@code pg_stat_wal_receiver}, else the primary_conninfo in effect): a literal address pinned anywhere goes stale
 * when the leader moves, and one pinned with ALTER SYSTEM wins over what pgmanager writes.
 */
final class UpstreamCheck implements Check {
    private static final String AUTO_CONF = "postgresql.auto.conf";

    @Override
    public String name() {
        return "upstream";
    }

    @Override
    public List<Finding> examine(ClusterFacts facts) {
        List<Finding> findings = new ArrayList<>();
        Optional<MemberFacts> leader = facts.leader();
        if (leader.isEmpty()) return findings;
        MemberFacts l = leader.get();
        for (MemberFacts m : facts.membersExcept(l.machineId().value()).values()) {
            if (m.server().isEmpty() || m.server().get().primary()) continue;
            findings.add(examine(facts, m, m.server().get(), l));
        }
        return findings;
    }

    private Finding examine(ClusterFacts facts, MemberFacts m, ServerFacts server, MemberFacts leader) {
        String id = m.machineId().value();
        String rejoin = facts.fixes().pgmanager("rejoin " + id);
        Optional<Receiver> receiver = server.receiver();
        Optional<String> conninfo = receiver.flatMap(Receiver::conninfo).or(server::primaryConninfo);
        String source = receiver.flatMap(Receiver::conninfo).isPresent() ? "its WAL receiver connects to"
                : "its primary_conninfo (" + server.conninfoSource().orElse("unset") + ") names";
        if (conninfo.isEmpty()) {
            return Finding.critical(name(), id, id + " is a replica that follows no one (no primary_conninfo)", rejoin);
        }
        Map<String, String> settings = ConnInfoText.parse(conninfo.get());
        Optional<String> hostaddr = Optional.ofNullable(settings.get("hostaddr")).filter(s -> !s.isBlank());
        String host = settings.getOrDefault("host", "");
        Optional<String> literal = hostaddr.or(() -> isLiteral(host) ? Optional.of(host) : Optional.empty());
        int port = parsePort(settings.get("port"));
        String streaming = receiver.map(r -> "its WAL receiver is " + r.status()).orElse("no WAL receiver runs");
        boolean pinned = server.conninfoSource().map(f -> f.endsWith(AUTO_CONF)).orElse(false);
        String leaderName = facts.hostnameOf().apply(leader.machineId().value());

        if (leader.dnsAddress().isEmpty()) {
            return Finding.warning(name(), id, id + " cannot be checked against the leader " + leader.machineId()
                    + ": its name " + leaderName + " does not resolve now (" + source + " " + conninfo.get() + ")", null);
        }
        String leaderAddress = AddressText.of(leader.dnsAddress().get());
        String where = port > 0 ? new HostPort(literal.orElse(host), port).toString() : literal.orElse(host);
        boolean sameAddress = literal.map(a -> AddressText.same(a, leaderAddress)).orElse(host.equals(leaderName));
        boolean samePort = port == 0 || leader.databasePort() == 0 || port == leader.databasePort();
        if (!sameAddress || !samePort) {
            return Finding.critical(name(), id, id + ": " + source + " " + where + ", but the leader " + leader.machineId()
                    + " is at " + new HostPort(leaderAddress, leader.databasePort()) + " (DNS now): a stale "
                    + (literal.isPresent() ? "literal address" : "upstream") + (pinned ? ", pinned with ALTER SYSTEM in " + AUTO_CONF : "")
                    + "; " + streaming, rejoin);
        }
        if (pinned) {
            return Finding.warning(name(), id, id + "'s upstream is pinned with ALTER SYSTEM in " + AUTO_CONF + " ("
                    + where + "): right now, but pgmanager cannot re-point it when the leader moves; " + streaming, rejoin);
        }
        if (receiver.map(r -> !"streaming".equals(r.status())).orElse(true)) {
            return Finding.warning(name(), id, id + " follows the leader " + leader.machineId() + " at " + where
                    + " (as DNS says), but " + streaming, rejoin);
        }
        return Finding.ok(name(), id, id + " streams from the leader " + leader.machineId() + " at " + where
                + ", the address DNS gives now");
    }

    private static boolean isLiteral(String host) {
        if (host.isBlank() || host.startsWith("/")) return false;
        try {
            InetAddress.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int parsePort(String port) {
        try {
            return port == null ? 0 : Integer.parseInt(port);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
