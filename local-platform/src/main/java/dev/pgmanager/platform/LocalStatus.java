package dev.pgmanager.platform;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pgmanager.cli.LocalClusterFile;
import dev.pgmanager.dns.AddressResolver;
import dev.pgmanager.net.AddressText;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.ClusterSnapshot;
import dev.pgmanager.store.Leader;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A local cluster as {@code pgmanager local status} reports it; its JSON form is a contract scripts and tests rely
 * on.
 *
 * @param leader the member holding the lease, or null
 * @param epoch the lease's epoch, or null
 * @param databaseUrl a libpq URL that lists every member (IPv6 addresses in brackets) and asks for the writable one
 * @param members every member, in creation order
 */
public record LocalStatus(
        String leader, Long epoch, @JsonProperty("database_url") String databaseUrl, List<MemberStatus> members) {

    /**
     * One member.
     *
     * @param role primary, replica, initializing, stopped or unknown
     * @param lagBytes how far its WAL is behind the leader's (null when unknown)
     * @param address the address its name resolves to now
     * @param pid its sidecar's process ID, null when not running
     */
    public record MemberStatus(
            @JsonProperty("machine_id") String machineId,
            String role,
            String state,
            long timeline,
            @JsonProperty("lag_bytes") Long lagBytes,
            String address,
            @JsonProperty("pg_port") int pgPort,
            @JsonProperty("api_port") int apiPort,
            Long pid) {}

    static LocalStatus of(LocalClusterFile cluster, Optional<ClusterSnapshot> snapshot, Function<String, Optional<Long>> pids,
            AddressResolver resolver) {
        Optional<Leader> leader = snapshot.flatMap(ClusterSnapshot::leader);
        Optional<Member> leaderRecord = leader.flatMap(l -> snapshot.get().member(l.machineId()));
        List<MemberStatus> members = cluster.members().stream().map(m -> {
            Optional<Long> pid = pids.apply(m.machineId());
            Optional<Member> record = snapshot.flatMap(s -> s.member(m.machineId())).filter(r -> pid.isPresent());
            String address = resolver.resolve(MachineId.of(m.machineId())).map(AddressText::of).orElse(m.address());
            return new MemberStatus(m.machineId(),
                    record.map(r -> r.role().name().toLowerCase(Locale.ROOT)).orElse("stopped"),
                    record.map(r -> r.state().word()).orElse(pid.isPresent() ? "starting" : "not running"),
                    record.map(Member::timeline).orElse(0L),
                    record.flatMap(r -> lag(r, leaderRecord)).orElse(null),
                    address, m.pgPort(), m.apiPort(), pid.orElse(null));
        }).toList();
        return new LocalStatus(leader.map(Leader::machineId).orElse(null), leader.map(Leader::epoch).orElse(null),
                databaseUrl(cluster), members);
    }

    /** The same status with {@code placeholder} where the superuser password is in the URL. */
    public LocalStatus withPasswordReplacedBy(String placeholder) {
        return new LocalStatus(leader, epoch, databaseUrl.replaceFirst("^(postgresql://[^:]+:)[^@]*@", "$1" + placeholder + "@"), members);
    }

    /** One writable primary holding the lease, and every other member a streaming replica. */
    public boolean isHealthy() {
        long primaries = members.stream().filter(m -> m.role().equals("primary")).count();
        boolean leaderIsPrimary = members.stream().anyMatch(m -> m.machineId().equals(leader) && m.role().equals("primary")
                && m.state().equals(MemberState.RUNNING.word()));
        boolean othersStream = members.stream().filter(m -> !m.machineId().equals(leader))
                .allMatch(m -> m.role().equals("replica") && m.state().equals(MemberState.STREAMING.word()));
        return primaries == 1 && leaderIsPrimary && othersStream;
    }

    public String summary() {
        return members.stream().map(m -> m.machineId() + " " + m.role() + " (" + m.state() + ")").collect(Collectors.joining(", "));
    }

    private static Optional<Long> lag(Member member, Optional<Member> leader) {
        if (member.role() == MemberRole.PRIMARY) return Optional.of(0L);
        if (leader.isEmpty() || member.receivedPosition() < 0 || leader.get().receivedPosition() < 0) return Optional.empty();
        return Optional.of(Math.max(0, leader.get().receivedPosition() - member.receivedPosition()));
    }

    static String databaseUrl(LocalClusterFile cluster) {
        String hosts = cluster.members().stream().map(m -> new HostPort(m.address(), m.pgPort()).toString()).collect(Collectors.joining(","));
        return "postgresql://postgres:" + cluster.superuserPassword() + "@" + hosts + "/postgres?target_session_attrs=read-write";
    }

}
