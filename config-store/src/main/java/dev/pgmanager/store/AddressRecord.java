package dev.pgmanager.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;
import java.time.Instant;

/**
 * One address a machine had, and when. Part of the address history, which diagnostics and the stale-address rewriter
 * read; nothing ever connects to an address from here (addresses to connect to are always resolved in DNS).
 *
 * @param address an IP literal
 * @param firstSeen when the machine first reported it
 * @param lastSeen when the machine last confirmed it (refreshed at most about once a minute)
 */
public record AddressRecord(
        String address,
        @JsonProperty("first_seen") Instant firstSeen,
        @JsonProperty("last_seen") Instant lastSeen) {

    public AddressRecord {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(firstSeen, "firstSeen");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }

    public AddressRecord seenAgain(Instant at) {
        return new AddressRecord(address, firstSeen, at.isAfter(lastSeen) ? at : lastSeen);
    }
}
