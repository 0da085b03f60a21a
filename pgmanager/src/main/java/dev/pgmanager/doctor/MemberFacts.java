package dev.pgmanager.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.Member;
import java.net.InetAddress;
import java.util.Optional;

/**
 * What the doctor learnt about one member, from every side it could reach.
 *
 * @param machineId the member
 * @param record its record in the store (present while its sidecar runs and reaches the store)
 * @param dnsAddress what its DNS name resolves to now
 * @param dnsError why the lookup failed (a DNS server that does not answer; a name without an answer is just empty)
 * @param address the address its API and server were reached at (DNS, else the local cluster's file), if any
 * @param addressSource where that address came from
 * @param databasePort its PostgreSQL port (0: unknown)
 * @param apiPort its sidecar API's port (0: unknown)
 * @param api the body of its {@code GET /member}
 * @param apiError why its API did not answer
 * @param server what its PostgreSQL said, read directly as the superuser
 * @param serverError why its PostgreSQL could not be read
 */
public record MemberFacts(
        MachineId machineId,
        Optional<Member> record,
        Optional<InetAddress> dnsAddress,
        Optional<String> dnsError,
        Optional<String> address,
        String addressSource,
        int databasePort,
        int apiPort,
        Optional<JsonNode> api,
        Optional<String> apiError,
        Optional<ServerFacts> server,
        Optional<String> serverError) {

    /** Its timeline: from its server, else from its store record (0: unknown). */
    public long timeline() {
        return server.map(ServerFacts::timeline).orElseGet(() -> record.map(Member::timeline).orElse(0L));
    }

    /** How far its WAL got: a primary's write position, a replica's replay position; -1 unknown. */
    public long position() {
        return server.flatMap(ServerFacts::position).map(dev.pgmanager.postgres.Lsn::value)
                .orElseGet(() -> record.map(m -> m.role() == dev.pgmanager.store.MemberRole.PRIMARY
                        ? m.receivedPosition() : m.replayedPosition()).orElse(-1L));
    }
}
