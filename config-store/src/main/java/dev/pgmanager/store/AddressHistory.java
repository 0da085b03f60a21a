package dev.pgmanager.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses one machine has had, oldest first, at most {@link #KEPT}. A machine that moves back to an address it
 * had before gets a new entry: the list is a timeline, not a set.
 *
 * @param addresses oldest first
 */
public record AddressHistory(List<AddressRecord> addresses) {
    /** Enough to map every recent move; a machine's history stays a few kilobytes. */
    public static final int KEPT = 20;

    public static final AddressHistory EMPTY = new AddressHistory(List.of());

    public AddressHistory {
        addresses = List.copyOf(addresses);
    }

    /** This history after the machine reported {@code address} at {@code now}. */
    public AddressHistory seen(String address, Instant now) {
        List<AddressRecord> next = new ArrayList<>(addresses);
        if (!next.isEmpty() && next.getLast().address().equals(address)) {
            next.set(next.size() - 1, next.getLast().seenAgain(now));
        } else {
            next.add(new AddressRecord(address, now, now));
        }
        return new AddressHistory(next.subList(Math.max(0, next.size() - KEPT), next.size()));
    }
}
