package dev.pgmanager.sidecar.rewriter;

import dev.pgmanager.store.AddressRecord;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rewrites the store's address history calls for: every older address of a member to that member's newest one,
 * unless it was last seen longer than the retention ago. A pure function, so the rules are tested without a kernel.
 */
public final class WantedRewrites {
    /** Where an old address goes, and whose it was (for the stale-use report). */
    record Target(InetAddress current, String machineId) {}

    private WantedRewrites() {}

    static Map<InetAddress, Target> from(Map<String, List<AddressRecord>> history, Instant now, Duration retention) {
        Instant oldestKept = now.minus(retention);
        // An address a member has now is never rewritten: after a machine got another's old address, rewriting it
        // would steal the traffic meant for the machine that lives there.
        Set<InetAddress> inUse = new HashSet<>();
        history.values().forEach(records -> newest(records).ifPresent(inUse::add));

        Map<InetAddress, Target> wanted = new HashMap<>();
        Map<InetAddress, Instant> wantedLastSeen = new HashMap<>();
        history.forEach((machineId, records) -> {
            Optional<InetAddress> current = newest(records);
            if (current.isEmpty()) return;
            for (AddressRecord old : records.subList(0, records.size() - 1)) {
                Optional<InetAddress> address = parse(old.address());
                if (address.isEmpty() || inUse.contains(address.get())) continue;
                if (old.lastSeen().isBefore(oldestKept)) continue;
                if ((address.get() instanceof Inet4Address) != (current.get() instanceof Inet4Address)) continue;
                // Two machines that once had the same address: the one that had it last is the one still dialed.
                Instant previous = wantedLastSeen.get(address.get());
                if (previous != null && !old.lastSeen().isAfter(previous)) continue;
                wanted.put(address.get(), new Target(current.get(), machineId));
                wantedLastSeen.put(address.get(), old.lastSeen());
            }
        });
        return Map.copyOf(wanted);
    }

    private static Optional<InetAddress> newest(List<AddressRecord> records) {
        return records.isEmpty() ? Optional.empty() : parse(records.getLast().address());
    }

    /** Literals only: the history holds IP literals, and a name must never cause a DNS lookup here. */
    private static Optional<InetAddress> parse(String literal) {
        try {
            return Optional.of(InetAddress.ofLiteral(literal));
        } catch (IllegalArgumentException notALiteral) {
            return Optional.empty();
        }
    }
}
